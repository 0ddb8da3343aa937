import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { HTTP_TRANSPORTS, type HttpTransport, type SessionHost } from '../transports';
import { acceptHixie76, isHixie76 } from '../transports/hixie76';
import { fromWs, type TextSocket } from '../transports/text-socket';
import { WebSocketReceiver } from '../transports/websocket';
import { loadClientScript, type ClientScript } from './client-script';
import { SockJsError } from './errors';
import { CloseCode, type SockJsSession, type TransportName } from './handler';
import { cacheForever, cors, noCache, preflight, stickyCookie } from './http/headers';
import { IframePage, greeting, info, infoPreflight, serveScript } from './http/pages';
import { methodNotAllowed, notFound, sendError } from './http/respond';
import { resolveOptions, type EndpointOptions, type ResolvedOptions } from './options';
import { matchRoute, splitUrl, underPrefix, type Route } from './router';
import { RawSession } from './session/raw-session';
import { Session, type SessionContext } from './session/session';
import { SessionStore } from './session/store';
import { refuseUpgrade, refuseWithError, upgradeProblem } from './upgrade';

export type NextFunction = (error?: unknown) => void;

/** One SockJS endpoint: every route and transport under its prefix. */
export interface SockJsEndpoint {
  readonly prefix: string;
  /** Where browsers load sockjs-client from (the iframe page uses it; so can your pages). */
  readonly clientScriptUrl: string;
  /** Express/Connect middleware: serves the endpoint's paths, passes every other one to `next()`. */
  readonly middleware: (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;
  /** Serves the request if the endpoint owns its path; false (and nothing written) otherwise. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Takes a websocket upgrade if the endpoint owns its path; false (socket untouched) otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Takes the server's websocket upgrades for this prefix, leaving its other `upgrade` and
   * `request` listeners alone. Returns a function that detaches again.
   */
  attach(server: Server): () => void;
  /** The open sessions, by id. */
  readonly sessions: ReadonlyMap<string, SockJsSession>;
  /** Refuses new sessions, closes every session with 1001, resolves when all are closed. */
  close(): Promise<void>;
}

const SEND_METHODS = ['POST', 'OPTIONS'];

class Endpoint implements SockJsEndpoint, SessionHost {
  readonly options: ResolvedOptions;
  readonly clientScriptUrl: string;
  readonly middleware: SockJsEndpoint['middleware'];
  private readonly store = new SessionStore();
  private readonly context: SessionContext;
  private readonly clientScript: ClientScript | undefined;
  private readonly iframe: IframePage;
  private readonly wss: WebSocketServer;
  private closing = false;

  constructor(options: EndpointOptions) {
    this.options = resolveOptions(options);
    const { prefix, handler, logger, heartbeatDelay, disconnectDelay } = this.options;
    this.clientScript = this.options.clientScriptUrl === undefined ? loadClientScript() : undefined;
    this.clientScriptUrl = this.options.clientScriptUrl ?? prefix + (this.clientScript as ClientScript).path;
    this.iframe = new IframePage(this.clientScriptUrl);
    this.context = { handler, logger, heartbeatDelay, disconnectDelay, forget: (s) => this.store.remove(s) };
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.options.maxPayloadBytes,
    });
    this.middleware = (req, res, next) => {
      if (!this.handleRequest(req, res)) next();
    };
  }

  get prefix(): string {
    return this.options.prefix;
  }

  get sessions(): ReadonlyMap<string, SockJsSession> {
    return new Map([...this.store.values()].map((s) => [s.id, s]));
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const { path, query } = splitUrl((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/');
    const rest = underPrefix(path, this.options.prefix);
    if (rest === undefined) return false;
    try {
      this.route(matchRoute(rest, this.clientScript?.path), req, res, query);
    } catch (error) {
      this.failed(res, error);
    }
    return true;
  }

  private route(route: Route, req: IncomingMessage, res: ServerResponse, query: string): void {
    const method = req.method ?? 'GET';
    switch (route.kind) {
      case 'greeting':
        return method === 'GET' ? greeting(res) : methodNotAllowed(res, ['GET']);
      case 'info':
        if (method === 'GET') return info(req, res, this.options);
        if (method === 'OPTIONS') return infoPreflight(req, res, this.options);
        return methodNotAllowed(res, ['OPTIONS', 'GET']);
      case 'iframe':
        return method === 'GET' ? this.iframe.serve(req, res) : methodNotAllowed(res, ['GET']);
      case 'client-script':
        return method === 'GET' ? serveScript(res, (this.clientScript as ClientScript).body) : methodNotAllowed(res, ['GET']);
      case 'raw-websocket':
        return this.websocketOverHttp(method, res);
      case 'session':
        return this.transport(route.transport, method, req, res, route.sessionId, query);
      case 'not-found':
        return notFound(res);
    }
  }

  /** A websocket URL requested without an upgrade. */
  private websocketOverHttp(method: string, res: ServerResponse): void {
    if (!this.options.websocket) {
      cacheForever(res);
      return notFound(res);
    }
    if (method !== 'GET') return methodNotAllowed(res, ['GET']);
    sendError(res, new SockJsError('ERR_NOT_WEBSOCKET'));
  }

  private transport(
    name: string,
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
    sessionId: string,
    query: string,
  ): void {
    if (name === 'websocket') return this.websocketOverHttp(method, res);
    const transport = HTTP_TRANSPORTS.get(name);
    if (!transport) return notFound(res);
    if (transport.cors && method === 'OPTIONS') {
      stickyCookie(req, res, this.options.jsessionid);
      return preflight(req, res, 'OPTIONS, POST');
    }
    if (method !== transport.method) return methodNotAllowed(res, transport.cors ? SEND_METHODS : [transport.method]);
    this.serve(transport, req, res, sessionId, query);
  }

  private serve(transport: HttpTransport, req: IncomingMessage, res: ServerResponse, sessionId: string, query: string): void {
    stickyCookie(req, res, this.options.jsessionid);
    noCache(res);
    if (transport.cors) cors(req, res);
    const pending = transport.handle({ req, res, query, sessionId, host: this });
    if (pending) pending.catch((error: unknown) => this.failed(res, error));
  }

  sessionFor(id: string, transport: TransportName, req: IncomingMessage): Session {
    const existing = this.store.get(id);
    if (existing instanceof Session) return existing;
    const session = new Session(
      { id, transport, remoteAddress: req.socket.remoteAddress ?? '', headers: req.headers },
      this.context,
    );
    this.store.add(session);
    return session;
  }

  existing(id: string): Session | undefined {
    const session = this.store.get(id);
    return session instanceof Session ? session : undefined;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const { path } = splitUrl(req.url ?? '/');
    const rest = underPrefix(path, this.options.prefix);
    if (rest === undefined) return false;
    const route = matchRoute(rest, undefined);
    const raw = route.kind === 'raw-websocket';
    if (!raw && !(route.kind === 'session' && route.transport === 'websocket')) {
      refuseWithError(socket, new SockJsError('ERR_NOT_FOUND'));
    } else if (!this.options.websocket || this.closing) {
      refuseWithError(socket, new SockJsError('ERR_NOT_FOUND'));
    } else if (req.method !== 'GET') {
      refuseUpgrade(socket, 405, '', { Allow: 'GET' });
    } else {
      this.upgrade(req, socket, head, raw);
    }
    return true;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, raw: boolean): void {
    if (!raw && isHixie76(req)) {
      const accepted = acceptHixie76(req, socket, head, this.options.maxPayloadBytes, (text) => this.opened(req, text, false));
      if (!accepted) refuseWithError(socket, new SockJsError('ERR_NOT_WEBSOCKET'));
      return;
    }
    const problem = upgradeProblem(req, raw);
    if (problem) return refuseWithError(socket, problem);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.opened(req, fromWs(ws, socket), raw));
  }

  private opened(req: IncomingMessage, socket: TextSocket, raw: boolean): void {
    const remoteAddress = req.socket.remoteAddress ?? '';
    if (raw) {
      this.store.add(new RawSession(randomUUID(), remoteAddress, req.headers, socket, this.context));
      return;
    }
    const session = new Session({ id: randomUUID(), transport: 'websocket', remoteAddress, headers: req.headers }, this.context);
    this.store.add(session);
    session.attach(new WebSocketReceiver(socket, session));
  }

  attach(server: Server): () => void {
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      this.handleUpgrade(req, socket, head);
    };
    server.on('upgrade', listener);
    return () => server.off('upgrade', listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const session of [...this.store.values()]) {
      session.terminate({ code: CloseCode.GOING_AWAY, reason: 'Going away' });
    }
    this.wss.close();
  }

  private failed(res: ServerResponse, error: unknown): void {
    this.options.logger.error({ err: error, url: res.req?.url }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500);
    res.end('500 - Internal Server Error');
  }
}

/** Creates an endpoint; throws `ERR_INVALID_OPTION` on bad options. */
export function createEndpoint(options: EndpointOptions): SockJsEndpoint {
  return new Endpoint(options);
}
