import type { CloseInfo, TransportName } from '../server/handler';

/**
 * One live connection that carries frames to the client for a session: an HTTP response
 * (polling or streaming) or a websocket. The session owns the policy (queue, heartbeats,
 * timers); a receiver only formats and writes.
 */
export interface Receiver {
  readonly transport: TransportName;
  /** Polling receivers end after the first frame they carry. */
  readonly polling: boolean;
  /** False while the socket is full (then `onDrain` fires) or once the receiver has ended. */
  readonly writable: boolean;
  /** Writes one frame. Returns false when the socket is full. */
  sendFrame(frame: string): boolean;
  /** Sends a heartbeat (an `h` frame; websockets also check that the peer is alive). */
  heartbeat(): void;
  /** Ends the receiver from the server side. Calls `onDetach(false)` if it had not ended yet. */
  end(): void;
  /**
   * Called once when the receiver goes away. `sessionOver` says the session ends with it: a
   * websocket closed, or an HTTP response dropped mid-way (1002). Without it (ended by us,
   * recycled at the response limit) the client comes back within `disconnectDelay`.
   */
  onDetach: ((sessionOver: CloseInfo | undefined) => void) | undefined;
  /** Called when a full socket has drained. */
  onDrain: (() => void) | undefined;
}
