import type { CloseInfo, TransportName } from '../protocol';

/** The session a receiver works for. */
export interface ReceiverOwner {
  /**
   * The receiver went away (ended by us, recycled, or dropped). `sessionOver` says the session
   * ends with it: a websocket closed, or an HTTP response dropped mid-way (see
   * `onDroppedResponse`). Without it the client comes back within `disconnectDelay`.
   */
  receiverDetached(receiver: Receiver, sessionOver: CloseInfo | undefined): void;
  /** A full socket has drained. */
  receiverDrained(receiver: Receiver): void;
  /**
   * A receiver that had already ended turned out to have lost its last frames: the connection
   * dropped before they left. Reported even though the receiver is detached.
   */
  receiverLost(receiver: Receiver, info: CloseInfo): void;
  /**
   * For the endpoint's stats: the connection under a live receiver failed. `'interrupted'` and
   * `'resumed'`: an HTTP response dropped mid-way, and what `onDroppedResponse` made of it;
   * `'pong-timeout'`: a websocket left a ping unanswered for `pongTimeout`. `receiverDetached`
   * follows; this only counts.
   */
  receiverDropped(receiver: Receiver, how: ReceiverDrop): void;
}

export type ReceiverDrop = 'interrupted' | 'resumed' | 'pong-timeout';

/**
 * One live connection that carries frames to the client for a session: an HTTP response
 * (polling or streaming) or a websocket. The session owns the policy (queue, heartbeats,
 * timers); a receiver only formats and writes.
 */
export interface Receiver {
  readonly transport: TransportName;
  /** False while the socket is full (then `receiverDrained` follows) or once the receiver has ended. */
  readonly writable: boolean;
  /** Starts reporting to `owner`; until then, nothing is reported. */
  bind(owner: ReceiverOwner): void;
  /** Stops reporting (the owner has let go of it). */
  unbind(): void;
  /**
   * Writes one frame. Returns false when the socket is full. `control`: a frame of the resume
   * extension (`r…`), which does not end a polling response as its one frame would.
   */
  sendFrame(frame: string, control?: boolean): boolean;
  /** Sends a heartbeat: an `h` frame; websockets also ping. */
  heartbeat(now: number): void;
  /** The timer wheel's visit: a websocket whose ping went unanswered too long is dropped. */
  sweep(now: number): void;
  /** When `sweep` next has something to check (ms since the epoch; Infinity: nothing). */
  readonly deadline: number;
  /** Ends the receiver from the server side; reports `receiverDetached` if it had not ended yet. */
  end(): void;
}
