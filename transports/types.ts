import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedOptions } from '../server/options';
import type { Session } from '../server/session/session';
import type { TransportName } from '../server/handler';
import type { SessionUse } from '../server/session/binding';

/** What a transport may ask of its endpoint. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  /**
   * The session with this id if this request may use it that way (same transport kind, same
   * client: see `sessionBinding`); `'refused'` when it exists but may not; undefined when none.
   */
  find(id: string, req: IncomingMessage, use: SessionUse): Session | 'refused' | undefined;
  /**
   * Runs the handshake (interceptors, principal) for a new session opened by this request and
   * creates it; undefined when it was refused, the refusal already answered.
   */
  openSession(
    id: string,
    transport: TransportName,
    req: IncomingMessage,
    res: ServerResponse,
  ): Session | undefined | Promise<Session | undefined>;
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
  handle(request: TransportRequest): void | Promise<void>;
}
