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
  /** A handler callback threw or rejected. */
  SERVER_ERROR: 1011,
  /** The client sent something that is not SockJS framing. */
  BROKEN_FRAMING: 3000,
} as const;

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
  /** Free-form per-session data for the application (and, later, handshake interceptors). */
  readonly attributes: Map<string, unknown>;
  readonly readyState: ReadyState;
  /** UTF-8 bytes accepted by `send()` and not yet handed to the socket. */
  readonly bufferedAmount: number;
  /** Queues a message; false when the session is not open (nothing is queued then). */
  send(message: string): boolean;
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
  /** A transport failed, or another callback threw. The session is being closed. */
  onTransportError?(session: SockJsSession, error: Error): void | Promise<void>;
  onClose?(session: SockJsSession, info: CloseInfo): void | Promise<void>;
}

/** A pino-compatible logger subset; the default writes warnings and errors to stderr. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
