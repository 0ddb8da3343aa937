import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SessionHost } from '../transports';
import type { TextSocket } from '../transports/text-socket';
import { WebSocketReceiver } from '../transports/websocket';
import { attachUpgrades } from './attach';
import { loadClientScript, type ClientScript } from './client-script';
import { SockJsError } from './errors';
import { CloseCode, ReadyState, type SockJsSession, type TransportName } from './handler';
import { runHandshake, type HandshakeOutcome } from './handshake';
import { quote } from './protocol/frames';
import { OriginPolicy } from './http/origin';
import { IframePage } from './http/pages';
import { serveRoute, websocketOverHttp, type RouteHost } from './http/routes';
import { resolveOptions, type EndpointOptions, type ResolvedOptions } from './options';
import { matchRoute, splitUrl, underPrefix } from './router';
import { RawSession } from './session/raw-session';
import { Session, type SessionContext, type SessionInit } from './session/session';
import { SessionStore, type ManagedSession } from './session/store';
import { TimerWheel } from './session/timer-wheel';
import { admits, type SessionUse } from './session/binding';
import { WebSocketUpgrades, type UpgradeHost } from './upgrades';

export type NextFunction = (error?: unknown) => void;

/** One endpoint: a SockJS service (every transport under its prefix) or a plain websocket one. */
export interface SockJsEndpoint {
  readonly prefix: string;
  /** Where browsers load sockjs-client from (the iframe page uses it; so can your pages). */
  readonly clientScriptUrl: string;
  /** Express/Connect middleware: serves the endpoint's paths, passes every other one to `next()`. */
  readonly middleware: (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;
  /** Serves the request if the endpoint owns its path; false (and nothing written) otherwise. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Takes a websocket upgrade for one of the endpoint's websocket routes; false (socket untouched) otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Takes the server's websocket upgrades for this endpoint, leaving its other `upgrade` and
   * `request` listeners alone (one shared listener serves all endpoints of a server, longest
   * prefix first). Returns a function that detaches again.
   */
  attach(server: Server): () => void;
  /** The endpoint's sessions by id (a live view; closing ones stay until they are gone). */
  readonly sessions: ReadonlyMap<string, SockJsSession>;
  /** Sends to every open session; returns how many took the message. */
  broadcast(message: string): number;
  /** Sends to one session; false when there is no open session with that id. */
  sendTo(sessionId: string, message: string): boolean;
  /** Sends to every open session of one user (see the `principal` option); returns how many. */
  sendToUser(user: string, message: string): number;
  /**
   * Graceful shutdown: refuses new sessions (503), gives queued messages up to `flushTimeout` ms
   * (default 5 000) to reach their clients, closes every session with 1001 "Going away", and
   * resolves once all are closed and their `onClose` callbacks have been called.
   */
  close(options?: { flushTimeout?: number }): Promise<void>;
}

class Endpoint implements SockJsEndpoint, SessionHost, RouteHost, UpgradeHost {
  readonly options: ResolvedOptions;
  readonly clientScriptUrl: string;
  readonly middleware: SockJsEndpoint['middleware'];
  readonly origins: OriginPolicy;
  readonly iframe: IframePage;
  readonly clientScript: Buffer | undefined;
  private accepting = true;
  private readonly store = new SessionStore();
  private readonly context: SessionContext;
  private readonly upgrades: WebSocketUpgrades;
  private readonly wheel: TimerWheel;
  /** Websocket handshakes under way (their interceptors are running): they hold a session slot. */
  private upgrading = 0;
  private readonly clientScriptPath: string | undefined;
  /** Sessions with sends of this tick to flush; one microtask for all of them. */
  private toFlush: Session[] = [];
  /** Handshakes under way for new HTTP sessions, so that concurrent first requests share one. */
  private readonly opening = new Map<string, Promise<Session | HandshakeOutcome>>();

  constructor(options: EndpointOptions) {
    this.options = resolveOptions(options);
    const { prefix } = this.options;
    const script: ClientScript | undefined =
      this.options.sockjs && this.options.clientScriptUrl === undefined ? loadClientScript() : undefined;
    this.clientScript = script?.body;
    this.clientScriptPath = script?.path;
    this.clientScriptUrl = this.options.clientScriptUrl ?? (script ? prefix + script.path : '');
    this.origins = new OriginPolicy(this.options.allowedOrigins);
    this.iframe = new IframePage(this.clientScriptUrl, this.origins.frameAncestors());
    // The options carry every setting a session needs; sessions read them through the context.
    const { heartbeatDelay, disconnectDelay, pongTimeout, idleTimeout } = this.options;
    const wheel = (this.wheel = new TimerWheel(TimerWheel.resolutionFor([heartbeatDelay, disconnectDelay, pongTimeout, idleTimeout])));
    this.context = {
      ...this.options,
      forget: (session) => {
        this.store.remove(session);
        wheel.cancel(session);
      },
      scheduleFlush: (session) => this.scheduleFlush(session),
      schedule: (session, due, later) => wheel.schedule(session, due, later),
    };
    this.upgrades = new WebSocketUpgrades(this);
    wheel.start();
    this.middleware = (req, res, next) => {
      if (!this.handleRequest(req, res)) next();
    };
  }

  private scheduleFlush(session: Session): void {
    if (this.toFlush.push(session) === 1) queueMicrotask(this.flushAll);
  }

  private readonly flushAll = (): void => {
    const sessions = this.toFlush;
    this.toFlush = [];
    for (const session of sessions) session.flush();
  };

  get prefix(): string {
    return this.options.prefix;
  }

  get sessions(): ReadonlyMap<string, SockJsSession> {
    return this.store.all;
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const { path, query } = splitUrl((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/');
    const rest = underPrefix(path, this.options.prefix);
    if (rest === undefined) return false;
    try {
      if (!this.options.sockjs) return this.plainWebsocketOverHttp(rest, req, res);
      serveRoute(this, matchRoute(rest, this.clientScriptPath), req, res, query);
    } catch (error) {
      this.failed(res, error);
    }
    return true;
  }

  /** A plain websocket endpoint owns exactly its path; over HTTP it only says it wants an upgrade. */
  private plainWebsocketOverHttp(rest: string, req: IncomingMessage, res: ServerResponse): boolean {
    if (rest !== '' && rest !== '/') return false;
    websocketOverHttp(this, req.method ?? 'GET', res);
    return true;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const rest = underPrefix(splitUrl(req.url ?? '/').path, this.options.prefix);
    if (rest === undefined) return false;
    if (!this.options.sockjs) {
      if (rest !== '' && rest !== '/') return false;
      this.claim(socket);
      this.upgrades.accept(req, socket, head, true);
      return true;
    }
    const route = matchRoute(rest, undefined);
    const raw = route.kind === 'raw-websocket';
    // Not a websocket route of ours: maybe of a nested endpoint, or another listener's.
    if (!raw && !(route.kind === 'session' && route.transport === 'websocket')) return false;
    this.claim(socket);
    this.upgrades.accept(req, socket, head, raw);
    return true;
  }

  /**
   * The HTTP server stops listening for errors on a socket it hands over for an upgrade: without a
   * listener of ours, a client resetting it (say after a refusal) would crash the process.
   */
  private claim(socket: Duplex): void {
    socket.on('error', this.socketError);
  }

  readonly socketError = (error: Error): void => {
    this.options.logger.debug({ err: error }, 'websocket socket error');
  };

  attach(server: Server): () => void {
    return attachUpgrades(server, this);
  }

  find(id: string, req: IncomingMessage, use: SessionUse): Session | 'refused' | undefined {
    const session = this.store.get(id);
    if (session === undefined) return undefined;
    return session instanceof Session && admits(session, req, use, this.options.sessionBinding) ? session : 'refused';
  }

  openSession(id: string, transport: TransportName, req: IncomingMessage, res: ServerResponse): Session | undefined | Promise<Session | undefined> {
    const pending = this.opening.get(id);
    if (pending) return pending.then((result) => this.joined(result, transport, req, res));
    const full = this.admission();
    if (full) return answerRefusal(res, refusedWith(full));
    const outcome = this.handshake(req, transport);
    // Without interceptors or a principal resolver the handshake is synchronous: no promise at all.
    if (!(outcome instanceof Promise)) return this.created(id, transport, req, res, outcome);
    const opening = outcome.then((settled) => (settled.ok ? this.createSession(id, transport, req, settled) : settled));
    this.opening.set(id, opening);
    void opening.finally(() => this.opening.delete(id));
    return opening.then((result) => (result instanceof Session ? result : answerRefusal(res, result)));
  }

  private created(id: string, transport: TransportName, req: IncomingMessage, res: ServerResponse, outcome: HandshakeOutcome): Session | undefined {
    return outcome.ok ? this.createSession(id, transport, req, outcome) : answerRefusal(res, outcome);
  }

  /** A concurrent first request for an id whose handshake was under way. */
  private joined(result: Session | HandshakeOutcome, transport: TransportName, req: IncomingMessage, res: ServerResponse): Session | undefined {
    if (!(result instanceof Session)) return result.ok ? undefined : answerRefusal(res, result);
    // Another client does not get to share the new session.
    if (admits(result, req, transport, this.options.sessionBinding)) return result;
    return answerRefusal(res, refusedWith(new SockJsError('ERR_SESSION_NOT_FOUND')));
  }

  private createSession(id: string, transport: TransportName, req: IncomingMessage, outcome: HandshakeOutcome & { ok: true }): Session {
    const session = new Session(this.sessionInit(id, transport, req, outcome, ''), this.context);
    this.register(session);
    return session;
  }

  private register(session: ManagedSession): void {
    this.store.add(session);
    this.wheel.schedule(session, session.nextDue());
  }

  /** Why no new session may open now (shutting down, or `maxSessions` reached), if so. */
  admission(): SockJsError | undefined {
    if (!this.accepting) return new SockJsError('ERR_TOO_MANY_SESSIONS', 'the endpoint is closing');
    if (this.store.size + this.opening.size + this.upgrading >= this.options.maxSessions) {
      return new SockJsError('ERR_TOO_MANY_SESSIONS', `maxSessions ${this.options.maxSessions} reached`);
    }
    return undefined;
  }

  handshake(req: IncomingMessage, transport: TransportName): HandshakeOutcome | Promise<HandshakeOutcome> {
    return runHandshake(req, transport, this.options);
  }

  /** Holds a session slot while an upgrade's interceptors run; the returned function frees it. */
  reserve(): () => void {
    this.upgrading++;
    let held = true;
    return () => {
      if (held) this.upgrading--;
      held = false;
    };
  }

  opened(req: IncomingMessage, socket: TextSocket, transport: TransportName, outcome: HandshakeOutcome & { ok: true }): void {
    const init = this.sessionInit(newSessionId(), transport, req, outcome, socket.protocol);
    if (transport === 'websocket-raw') {
      this.register(new RawSession(init, socket, this.context, this.options));
      return;
    }
    const session = new Session(init, this.context);
    this.register(session);
    session.attach(new WebSocketReceiver(socket, session, this.options));
  }

  private sessionInit(
    id: string,
    transport: TransportName,
    req: IncomingMessage,
    outcome: HandshakeOutcome & { ok: true },
    protocol: string,
  ): SessionInit {
    return {
      id,
      transport,
      remoteAddress: req.socket.remoteAddress ?? '',
      headers: req.headers,
      attributes: outcome.attributes,
      principal: outcome.principal,
      protocol,
    };
  }

  broadcast(message: string): number {
    const text = String(message);
    const quoted = quote(text);
    const bytes = Buffer.byteLength(text);
    const decorated = this.options.handler.decoratedSession;
    let count = 0;
    for (const session of this.store.values()) {
      if (session.readyState !== ReadyState.OPEN) continue;
      count++;
      // Quoted once for all: undecorated SockJS sessions take it as is.
      if (!decorated && session instanceof Session) session.sendQuoted(quoted, bytes);
      else this.sendIfOpen(session, text);
    }
    return count;
  }

  sendTo(sessionId: string, message: string): boolean {
    const session = this.store.get(sessionId);
    return session !== undefined && this.sendIfOpen(session, message);
  }

  sendToUser(user: string, message: string): number {
    let count = 0;
    for (const session of this.store.ofUser(user)) if (this.sendIfOpen(session, message)) count++;
    return count;
  }

  /** Sends through the handler's decorators (send limits); a message over the high-water mark is still queued. */
  private sendIfOpen(session: SockJsSession, message: string): boolean {
    if (session.readyState !== ReadyState.OPEN) return false;
    (this.options.handler.decoratedSession?.(session) ?? session).send(message);
    return true;
  }

  async close(options: { flushTimeout?: number } = {}): Promise<void> {
    this.accepting = false;
    await this.flushed(options.flushTimeout ?? 5_000);
    for (const session of [...this.store.values()]) {
      session.terminate({ code: CloseCode.GOING_AWAY, reason: 'Going away' });
    }
    this.upgrades.close();
    this.wheel.stop();
    // onClose callbacks were queued by terminate(); let synchronous ones run before resolving.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Resolves when no open session holds unsent messages, or when `timeout` ms have passed. */
  private async flushed(timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    const pending = (): boolean => [...this.store.values()].some((s) => s.readyState === ReadyState.OPEN && s.bufferedAmount > 0);
    // Bounded re-check: queues empty as clients poll or sockets drain, events spread over many sessions.
    while (pending() && Date.now() < deadline) {
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(25, Math.max(1, deadline - Date.now()))));
    }
  }

  failed(res: ServerResponse, error: unknown): void {
    this.options.logger.error({ err: error, url: res.req?.url }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500);
    res.end('500 - Internal Server Error');
  }
}

function refusedWith(error: SockJsError): HandshakeOutcome & { ok: false } {
  return { ok: false, error, status: error.status, body: error.body };
}

function answerRefusal(res: ServerResponse, refusal: HandshakeOutcome & { ok: false }): undefined {
  if (res.headersSent) return undefined;
  res.setHeader('Content-Length', Buffer.byteLength(refusal.body));
  res.writeHead(refusal.status);
  res.end(refusal.body);
  return undefined;
}

/** Random bytes for websocket session ids, filled 256 ids at a time: one system call, not one per session. */
const idPool = Buffer.allocUnsafe(16 * 256);
let idOffset = idPool.length;

/** A websocket session's id (it has none in its URL): 128 random bits, as a flat string. */
function newSessionId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  idOffset += 16;
  return idPool.toString('base64url', idOffset - 16, idOffset);
}

/** Creates an endpoint; throws `ERR_INVALID_OPTION` on bad options. */
export function createEndpoint(options: EndpointOptions): SockJsEndpoint {
  return new Endpoint(options);
}
