import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkOptionKeys } from '../../protocol';
import type { Handshake, HandshakeInterceptor } from '../handshake';

/**
 * Connect-style middleware, as `express-session` makes it. Its request and response types are
 * left open so that Express's own `RequestHandler` type fits.
 */
export type SessionMiddleware = (req: never, res: never, next: (error?: unknown) => void) => void;

/** What `express-session` leaves on a request. */
interface WithHttpSession {
  session?: Record<string, unknown>;
  sessionID?: string;
}

/** The attribute holding the HTTP session's id, as Spring names it. */
export const HTTP_SESSION_ID = 'HTTP.SESSION.ID';

export interface HttpSessionInterceptorOptions {
  /**
   * The `express-session` middleware, run on requests that have not been through it — websocket
   * upgrades never pass Express middleware. Without it, only requests Express already handled
   * carry a session.
   */
  sessionMiddleware?: SessionMiddleware;
  /** HTTP session keys to copy; default all but `cookie`. */
  attributeNames?: readonly string[];
}

/** Every key of HttpSessionInterceptorOptions, at run time; the compiler keeps it complete and exact. */
const HTTP_SESSION_OPTION_KEYS = Object.keys({ sessionMiddleware: true, attributeNames: true } satisfies Record<
  keyof HttpSessionInterceptorOptions,
  true
>);

/**
 * The Node twin of Spring's `HttpSessionHandshakeInterceptor`: copies the `express-session`
 * session (its id as `HTTP.SESSION.ID`, and its values, `user` included) into the SockJS
 * session's attributes at the handshake, on every transport.
 */
export function httpSessionInterceptor(options: HttpSessionInterceptorOptions = {}): HandshakeInterceptor {
  checkOptionKeys('httpSessionInterceptor', options, HTTP_SESSION_OPTION_KEYS);
  return {
    async beforeHandshake(handshake) {
      const req = handshake.req as IncomingMessage & WithHttpSession;
      if (req.session === undefined && options.sessionMiddleware) await runMiddleware(options.sessionMiddleware, req);
      copySession(req, handshake, options.attributeNames);
    },
  };
}

function copySession(
  req: IncomingMessage & WithHttpSession,
  handshake: Handshake,
  names: readonly string[] | undefined,
): void {
  const session = req.session;
  if (session === undefined) return;
  if (req.sessionID !== undefined) handshake.attributes.set(HTTP_SESSION_ID, req.sessionID);
  for (const name of names ?? Object.keys(session)) {
    if (name !== 'cookie' && session[name] !== undefined) handshake.attributes.set(name, session[name]);
  }
}

/**
 * Runs the session middleware for its side effect on `req` only: the response it sees is a stand-in,
 * so it cannot set cookies on an upgrade (there is no HTTP response there to carry them).
 */
function runMiddleware(middleware: SessionMiddleware, req: IncomingMessage): Promise<void> {
  const standIn = {
    getHeader: () => undefined,
    setHeader: () => standIn,
    end: () => standIn,
    writeHead: () => standIn,
  };
  return new Promise((resolve, reject) => {
    const run = middleware as (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
    run(req, standIn as unknown as ServerResponse, (error) => (error ? reject(toError(error)) : resolve()));
  });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
