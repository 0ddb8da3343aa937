import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SockJsError, TransportName } from '../protocol';
import type { Receiver } from './receiver';

/** What a follow-up request does with a session: receive over a transport, or send. */
export type SessionUse = TransportName | 'xhr_send' | 'jsonp_send';

/**
 * What a receiving HTTP response dropped mid-way (client gone, proxy cut) does to its session:
 * see the endpoint's `onDroppedResponse` option.
 */
export type DroppedResponsePolicy = 'interrupt' | 'resume-if-idle' | 'resume';

/** Where transports report a refusal worth a client author's attention (the endpoint's logger). */
export interface TransportLogger {
  info(obj: object, msg?: string): void;
}

/** The endpoint settings transports read. */
export interface TransportSettings {
  readonly logger: TransportLogger;
  readonly responseLimit: number;
  readonly onDroppedResponse: DroppedResponsePolicy;
  readonly maxRequestBytes: number;
  readonly maxTextMessageBytes: number;
  readonly bodyTimeout: number;
  /** The resume extension (0 = off): only then is the `resume` query parameter read. */
  readonly resumeWindow: number;
}

/**
 * The little a transport does with a session: give it a receiver, hand it the client's messages,
 * report a failure. The server's session implements it; transports never see the rest.
 */
export interface TransportSession {
  /** A receiver arrives for the session (the first one opens it). */
  attach(receiver: Receiver): void;
  /** Messages from the client, in order. */
  deliver(messages: readonly string[]): void;
  /** The transport failed: the session reports it and closes. */
  fail(error: Error): void;
  /** Opened with `?resume=new` (docs/resume.md). */
  readonly resumable: boolean;
  /** Resumable: the client is back (or goes on) with `receiver`, having received `received` messages. */
  resumeWith(receiver: Receiver, received: number): void;
  /** Resumable: its client closed it (`c[code,"reason"]` on xhr_send); the handler sees that code. */
  closedByClient(code: number, reason: string): void;
  /** Resumable: a numbered batch (`r<seq>,<ack>[...]`); an error when its numbers are out of range. */
  deliverBatch(seq: number, ack: number, messages: readonly string[], byWebSocket: boolean): SockJsError | undefined;
}

/** What a transport may ask of its endpoint. */
export interface SessionHost {
  readonly options: TransportSettings;
  /**
   * The session with this id if this request may use it that way (same transport kind, same
   * client: see `sessionBinding`); `'refused'` when it exists but may not; undefined when none.
   */
  find(id: string, req: IncomingMessage, use: SessionUse): TransportSession | 'refused' | undefined;
  /**
   * Runs the handshake (interceptors, principal) for a new session opened by this request and
   * creates it; undefined when it was refused, the refusal already answered.
   */
  openSession(
    id: string,
    transport: TransportName,
    req: IncomingMessage,
    res: ServerResponse,
    resumable?: boolean,
  ): TransportSession | undefined | Promise<TransportSession | undefined>;
}

/** One request to a transport URL, after routing. */
export interface TransportRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The raw query string, without `?`. */
  readonly query: string;
  readonly sessionId: string;
  readonly host: SessionHost;
}

/**
 * A row of the HTTP transport table. The endpoint applies what is common (method check, the
 * JSESSIONID cookie, no-cache, CORS and its preflight) before `handle` runs.
 */
export interface HttpTransport {
  /** The last path segment, e.g. `xhr_streaming`. */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** XHR-style CORS: answers the OPTIONS preflight and sets CORS headers. */
  readonly cors: boolean;
  /** Reads a request body (the send transports): its `100 Continue` waits for the transport's checks. */
  readonly readsBody?: true;
  handle(request: TransportRequest): void | Promise<void>;
}
