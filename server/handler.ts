import type { IncomingHttpHeaders } from 'node:http';
import type { CloseInfo, ReadyState, TransportName } from '../protocol';

/** The user a session belongs to, as decided at its handshake. */
export interface Principal {
  readonly name: string;
}

/** One SockJS session, the same object whatever transport carries it. */
export interface SockJsSession {
  /** The session id from the URL (generated for websocket sessions, which have none). */
  readonly id: string;
  /** The transport the session was opened with. */
  readonly transport: TransportName;
  /** The remote address of the request that opened the session. */
  readonly remoteAddress: string;
  /** The headers of the request that opened the session. */
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** Per-session data: what the handshake interceptors put there, then the application's. */
  readonly attributes: Map<string, unknown>;
  /** The user decided at the handshake, if any. */
  readonly principal: Principal | undefined;
  /** The websocket sub-protocol agreed at the handshake, or '' (always '' off websocket). */
  readonly protocol: string;
  readonly readyState: ReadyState;
  /** UTF-8 bytes accepted by `send()` and not yet handed to the socket. */
  readonly bufferedAmount: number;
  /**
   * Queues a text message. False when the session is not open (nothing queued) or when the queue
   * is at `sendHighWaterMark` (queued all the same; `onDrain` follows once it has emptied).
   */
  send(message: string): boolean;
  /**
   * Sends a binary message: plain websocket endpoints only (SockJS carries text), else throws
   * `ERR_BINARY_UNSUPPORTED`. Returns as `send()` does.
   */
  sendBinary(data: Uint8Array): boolean;
  /** Closes the session; the client sees `c[code,"reason"]`. Does nothing once closing. */
  close(code?: number, reason?: string): void;
  /**
   * Turns this session's SockJS heartbeat frames (`h`) off or back on (on at first). A sub-protocol
   * with heart-beats of its own (STOMP) turns them off so that the client does not get both; back
   * on, the next `h` is due `heartbeatDelay` after the last frame sent. On a SockJS websocket the
   * ping sent with each `h` stops with it, and a polling request stays open until there is
   * something to send. Plain websocket sessions keep their pings either way: they are invisible to
   * the application protocol and detect dead peers.
   */
  setHeartbeat(enabled: boolean): void;
}

/**
 * What the application implements, Spring's `WebSocketHandler` in Node shape. Every callback may be
 * async: callbacks of one session run one after another, in order, each awaited before the next.
 * `onClose` runs exactly once per opened session.
 *
 * Callbacks return `unknown`, not `void | Promise<void>`: a union with `void` stops TypeScript from
 * accepting `(session) => session.send('hi')` (a boolean). A returned thenable is awaited; any
 * other value is ignored.
 */
export interface SockJsHandler {
  // `| undefined`: a callback set to undefined is the same as none (decorators pass them on so).
  onOpen?: ((session: SockJsSession) => unknown) | undefined;
  onMessage?: ((session: SockJsSession, message: string) => unknown) | undefined;
  /** A binary message (plain websocket endpoints). Without it, binary messages close the session with 1003. */
  onBinaryMessage?: ((session: SockJsSession, data: Buffer) => unknown) | undefined;
  /** The send queue, once at `sendHighWaterMark`, has emptied. */
  onDrain?: ((session: SockJsSession) => unknown) | undefined;
  /** A transport failed, or another callback threw. The session is being closed. */
  onTransportError?: ((session: SockJsSession, error: Error) => unknown) | undefined;
  onClose?: ((session: SockJsSession, info: CloseInfo) => unknown) | undefined;
}

/** A pino-compatible logger subset; the default writes warnings and errors to stderr. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
