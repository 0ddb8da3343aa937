import type { IncomingHttpHeaders } from 'node:http';

/** Names of the transports, as sockjs-client names them (plus the raw websocket endpoint). */
export type TransportName =
  | 'websocket'
  | 'websocket-raw'
  | 'xhr-streaming'
  | 'xhr-polling'
  | 'eventsource'
  | 'htmlfile'
  | 'jsonp-polling';

/** Ready states, numbered as the WebSocket API numbers them. */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** Close codes this library uses itself. Applications use 1000 or 3000–4999. */
export const CloseCode = {
  /** `session.close()` without a code, or a client's clean close. */
  NORMAL: 1000,
  /** The endpoint is shutting down. */
  GOING_AWAY: 1001,
  /** The client's websocket closed without a status code. */
  NO_STATUS: 1005,
  /** No receiver came back within `disconnectDelay`: the client is gone without a close. */
  CONNECTION_LOST: 1006,
  /** A binary message reached a handler without `onBinaryMessage`. */
  UNSUPPORTED_DATA: 1003,
  /** A message over the endpoint's size limit. */
  MESSAGE_TOO_BIG: 1009,
  /** A handler callback threw or rejected. */
  SERVER_ERROR: 1011,
  /** A send limit was crossed (Spring's SESSION_NOT_RELIABLE). */
  SESSION_NOT_RELIABLE: 4500,
  /** The client sent something that is not SockJS framing. */
  BROKEN_FRAMING: 3000,
} as const;

/** The user a session belongs to, as decided at its handshake. */
export interface Principal {
  readonly name: string;
}

/** Codes a close frame may carry: 1005, 1006 and 1015 are reserved for reports, never sent. */
export function isValidCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999))
  );
}

export interface CloseInfo {
  code: number;
  reason: string;
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
}

/**
 * What the application implements, Spring's `WebSocketHandler` in Node shape. Every callback may be
 * async: callbacks of one session run one after another, in order, each awaited before the next.
 * `onClose` runs exactly once per opened session.
 */
export interface SockJsHandler {
  onOpen?(session: SockJsSession): void | Promise<void>;
  onMessage?(session: SockJsSession, message: string): void | Promise<void>;
  /** A binary message (plain websocket endpoints). Without it, binary messages close the session with 1003. */
  onBinaryMessage?(session: SockJsSession, data: Buffer): void | Promise<void>;
  /** The send queue, once at `sendHighWaterMark`, has emptied. */
  onDrain?(session: SockJsSession): void | Promise<void>;
  /** A transport failed, or another callback threw. The session is being closed. */
  onTransportError?(session: SockJsSession, error: Error): void | Promise<void>;
  onClose?(session: SockJsSession, info: CloseInfo): void | Promise<void>;
  /**
   * The session as the application sees it, for sends that start outside a callback (the
   * endpoint's `broadcast`, `sendTo`, `sendToUser`). Decorators that wrap sessions (`sendLimits`)
   * implement it so those sends pass through them too. Default: the session itself.
   */
  decoratedSession?(session: SockJsSession): SockJsSession;
}

/** A pino-compatible logger subset; the default writes warnings and errors to stderr. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
