import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HTTP_TRANSPORTS, type SessionHost, type SessionUse } from '../transports';
import type { TextSocket } from '../transports/text-socket';
import { attachUpgrades } from './attach';
import { loadClientScript, type ClientScript } from './client-script';
import { checkOptionKeys, Close, quote, ReadyState, SockJsError, type TransportName } from '../protocol';
import { type SockJsSession } from './handler';
import type { HandshakeOutcome } from './handshake';
import { noSniff } from './http/headers';
import { OriginPolicy } from './http/origin';
import { IframePage } from './http/pages';
import { serveRoute, websocketOverHttp, type RouteHost } from './http/routes';
import { sessionViewOf, type SessionView } from './decorators/session-view';
import { CLOSE_DEFAULTS, resolveOptions, type EndpointOptions, type ResolvedOptions } from './options';
import { locateUnderPrefix, matchRoute, splitUrl, underPrefix } from './router';
import { SessionOpening } from './session/opening';
import { Session, type SessionContext } from './session/session';
import { SessionStore } from './session/store';
import { EndpointCounters, type EndpointStats } from './stats';
import { TimerWheel } from './session/timer-wheel';
import { WebSocketUpgrades, type UpgradeHost } from './upgrades';
import type { ClusterLink } from './cluster/types';

export type NextFunction = (error?: unknown) => void;

/** One endpoint: a SockJS service (every transport under its prefix) or a plain websocket one. */
export interface SockJsEndpoint {
  readonly prefix: string;
  /**
   * Where browsers load sockjs-client from, for your pages: `clientScriptUrl` as given, else the
   * script this endpoint serves, `{prefix}/sockjs-client.<hash>.min.js` (its own iframe page refers
   * to that one relatively).
   */
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
   * prefix first). Also holds back Node's automatic `100 Continue` for the endpoint's
   * xhr_send/jsonp_send requests until their size and session have been checked (a server with its
   * own `checkContinue` listener is left alone). Returns a function that detaches again.
   */
  attach(server: Server): () => void;
  /** The endpoint's sessions by id (a live view; closing ones stay until they are gone). */
  readonly sessions: ReadonlyMap<string, SockJsSession>;
  /**
   * A snapshot of the endpoint's counters since it was created: sessions (open now, opened,
   * closed by code) and messages and bytes in and out, by transport; refusals by reason; queue
   * overflows, pong timeouts, dropped responses. A plain object: log it, serialize it, diff two.
   */
  stats(): EndpointStats;
  /**
   * Sends to every open session; returns how many took the message. With a `cluster` bus it is
   * published once for every other node too; the count is still this node's (the cluster-wide
   * one is not known).
   */
  broadcast(message: string): number;
  /**
   * Sends to one session; false when there is no open session with that id here. With a `cluster`
   * bus a session not held here is looked up in the cluster's registry and the message forwarded
   * to its node; the result still says only whether it was here (the bus's `sendTo(prefix, id,
   * message)` resolves with the cluster's answer).
   */
  sendTo(sessionId: string, message: string): boolean;
  /**
   * Sends to every open session of one user (see the `principal` option); returns how many. With a
   * `cluster` bus it reaches the user's sessions on every node; the count is still this node's.
   */
  sendToUser(user: string, message: string): number;
  /**
   * Graceful shutdown (a drain): refuses new sessions at once (503 "Server shutting down.", with
   * `Connection: close`, websocket upgrades alike), withdraws the endpoint's entries from the
   * `cluster` registry in one step (other nodes' `users()`/`sessionsOf()`/`sendTo` stop finding
   * them), gives queued messages up to `flushTimeout` ms (default 5 000) to reach their clients,
   * closes every session with 1001 "Going away" (clients reconnect elsewhere), leaves the bus's
   * channels, and resolves once all are closed and their `onClose` callbacks have been called.
   */
  close(options?: { flushTimeout?: number }): Promise<void>;
}

class Endpoint implements SockJsEndpoint, SessionHost, RouteHost, UpgradeHost {
  readonly options: ResolvedOptions;
  readonly clientScriptUrl: string;
  readonly middleware: SockJsEndpoint['middleware'];
  readonly origins: OriginPolicy;
  readonly iframe: IframePage;
  readonly iframeUnderSlash: IframePage;
  readonly clientScript: Buffer | undefined;
  readonly counters = new EndpointCounters();
  private readonly store: SessionStore;
  /** This endpoint on the `cluster` bus, if any. */
  private readonly link: ClusterLink | undefined;
  private readonly context: SessionContext;
  private readonly upgrades: WebSocketUpgrades;
  private readonly wheel: TimerWheel;
  private readonly clientScriptPath: string | undefined;
  /** Sessions with sends of this tick to flush; one microtask for all of them. */
  private toFlush: Session[] = [];
  private readonly opening: SessionOpening;
  /** How the handler's decorators wrap sessions (`sendLimits`), for sends made outside callbacks. */
  private readonly sessionView: SessionView | undefined;
  /** The `statsLogInterval` timer, if any; cleared by `close()`. */
  private readonly statsLog: NodeJS.Timeout | undefined;

  constructor(options: EndpointOptions) {
    this.options = resolveOptions(options);
    const { prefix } = this.options;
    this.link = this.options.cluster?.join({
      prefix,
      deliverBroadcast: (message) => this.localBroadcast(message),
      deliverTo: (sessionId, message) => this.localSendTo(sessionId, message),
      deliverToUser: (user, message) => this.localSendToUser(user, message),
    });
    this.store = new SessionStore(this.link);
    const script: ClientScript | undefined =
      this.options.sockjs && this.options.clientScriptUrl === undefined ? loadClientScript() : undefined;
    this.clientScript = script?.body;
    this.clientScriptPath = script?.path;
    this.clientScriptUrl = this.options.clientScriptUrl ?? (script ? prefix + script.path : '');
    this.sessionView = sessionViewOf(this.options.handler);
    this.origins = new OriginPolicy(this.options.allowedOrigins);
    // The iframe page lives at {prefix}/iframe*.html, beside the script we serve: a relative URL
    // finds it wherever the page is, behind a proxy that strips or adds a path prefix too (an
    // absolute `{prefix}/…` would point outside the proxied path). A URL the user gave is kept.
    const given = this.options.clientScriptUrl;
    const relative = (up: string): string => given ?? (script ? up + script.path : '');
    this.iframe = new IframePage(relative('.'), this.origins.frameAncestors());
    this.iframeUnderSlash = new IframePage(relative('..'), this.origins.frameAncestors());
    // The options carry every setting a session needs; sessions read them through the context.
    const { heartbeatDelay, disconnectDelay, pongTimeout, idleTimeout } = this.options;
    const wheel = (this.wheel = new TimerWheel(
      TimerWheel.resolutionFor([heartbeatDelay, disconnectDelay, pongTimeout, idleTimeout]),
    ));
    this.context = {
      ...this.options,
      counters: this.counters,
      forget: (session) => {
        this.store.remove(session);
        wheel.cancel(session);
      },
      scheduleFlush: (session) => this.scheduleFlush(session),
      schedule: (session, due, later) => wheel.schedule(session, due, later),
    };
    this.opening = new SessionOpening(this.options, this.store, wheel, this.context);
    this.upgrades = new WebSocketUpgrades(this);
    wheel.start();
    this.statsLog = this.startStatsLog();
    this.middleware = (req, res, next) => {
      if (!this.handleRequest(req, res)) next();
    };
  }

  stats(): EndpointStats {
    return this.counters.snapshot();
  }

  /** One info line per `statsLogInterval`; unref'd, so it never keeps the process alive. */
  private startStatsLog(): NodeJS.Timeout | undefined {
    const { statsLogInterval, logger, prefix } = this.options;
    if (statsLogInterval === 0) return undefined;
    return setInterval(() => logger.info({ prefix, stats: this.stats() }, 'sockjs stats'), statsLogInterval).unref();
  }

  get accepting(): boolean {
    return this.opening.accepting;
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
    const located = locateUnderPrefix(req, this.options.prefix);
    if (located === undefined) return false;
    const { rest, query } = located;
    try {
      if (!this.options.sockjs) return this.plainWebsocketOverHttp(rest, req, res);
      noSniff(res);
      serveRoute(this, matchRoute(rest, this.clientScriptPath), req, res, query);
    } catch (error) {
      this.failed(res, error);
    }
    return true;
  }

  /** A plain websocket endpoint owns exactly its path; over HTTP it only says it wants an upgrade. */
  private plainWebsocketOverHttp(rest: string, req: IncomingMessage, res: ServerResponse): boolean {
    if (rest !== '' && rest !== '/') return false;
    noSniff(res);
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
    this.upgrades.accept(req, socket, head, raw, route.kind === 'session' ? route.sessionId : undefined);
    return true;
  }

  /** Whether this is an xhr_send or jsonp_send request of this endpoint (see `attach()`). */
  readsBody(req: IncomingMessage): boolean {
    const rest = underPrefix(splitUrl(req.url ?? '/').path, this.options.prefix);
    if (rest === undefined || !this.options.sockjs) return false;
    const route = matchRoute(rest, undefined);
    return route.kind === 'session' && HTTP_TRANSPORTS.get(route.transport)?.readsBody === true;
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
    return this.opening.find(id, req, use);
  }

  openSession(
    id: string,
    transport: TransportName,
    req: IncomingMessage,
    res: ServerResponse,
    resumable?: boolean,
  ): Session | undefined | Promise<Session | undefined> {
    return this.opening.open(id, transport, req, res, resumable);
  }

  admission(): SockJsError | undefined {
    return this.opening.admission();
  }

  handshake(req: IncomingMessage, transport: TransportName): HandshakeOutcome | Promise<HandshakeOutcome> {
    return this.opening.handshake(req, transport);
  }

  reserve(): () => void {
    return this.opening.reserve();
  }

  opened(
    req: IncomingMessage,
    socket: TextSocket,
    transport: TransportName,
    outcome: HandshakeOutcome & { ok: true },
    resumableId?: string,
  ): void {
    this.opening.opened(req, socket, transport, outcome, resumableId);
  }

  /** `?resume=<count>` on a websocket: the session takes it up, or the client hears that it cannot. */
  resumed(req: IncomingMessage, socket: TextSocket, id: string, received: number): void {
    this.opening.resumed(req, socket, id, received);
  }

  broadcast(message: string): number {
    const count = this.localBroadcast(message);
    this.link?.broadcast(String(message));
    return count;
  }

  sendTo(sessionId: string, message: string): boolean {
    if (this.localSendTo(sessionId, message)) return true;
    if (this.link && !this.store.get(sessionId)) void this.link.sendTo(sessionId, String(message));
    return false;
  }

  sendToUser(user: string, message: string): number {
    const count = this.localSendToUser(user, message);
    this.link?.sendToUser(user, String(message));
    return count;
  }

  private localBroadcast(message: string): number {
    const text = String(message);
    const quoted = quote(text);
    const bytes = Buffer.byteLength(text);
    let count = 0;
    for (const session of this.store.values()) {
      if (session.readyState !== ReadyState.OPEN) continue;
      count++;
      // Quoted once for all: undecorated SockJS sessions take it as is.
      if (!this.sessionView && session instanceof Session) session.sendQuoted(quoted, bytes);
      else this.sendIfOpen(session, text);
    }
    return count;
  }

  private localSendTo(sessionId: string, message: string): boolean {
    const session = this.store.get(sessionId);
    return session !== undefined && this.sendIfOpen(session, message);
  }

  private localSendToUser(user: string, message: string): number {
    let count = 0;
    for (const session of this.store.ofUser(user)) if (this.sendIfOpen(session, message)) count++;
    return count;
  }

  /** Sends through the handler's decorators (send limits); a message over the high-water mark is still queued. */
  private sendIfOpen(session: SockJsSession, message: string): boolean {
    if (session.readyState !== ReadyState.OPEN) return false;
    (this.sessionView?.(session) ?? session).send(message);
    return true;
  }

  async close(options: { flushTimeout?: number } = {}): Promise<void> {
    const flushTimeout = checkFlushTimeout(options);
    this.opening.accepting = false;
    clearInterval(this.statsLog);
    const deadline = Date.now() + flushTimeout;
    // Out of the cluster's registry before anything else: other nodes stop sending here at once.
    // Within the flush budget: a Redis that hangs does not hold the shutdown (entries then expire).
    if (this.link) await settledWithin(this.link.withdraw(), flushTimeout);
    await this.flushed(Math.max(0, deadline - Date.now()));
    for (const session of [...this.store.values()]) {
      session.terminate(Close.GOING_AWAY);
    }
    this.upgrades.close();
    this.wheel.stop();
    // onClose callbacks were queued by terminate(); let synchronous ones run before resolving.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.link?.leave();
  }

  /** Resolves when no open session holds unsent messages, or when `timeout` ms have passed. */
  private async flushed(timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    const pending = (): boolean =>
      [...this.store.values()].some((s) => s.readyState === ReadyState.OPEN && s.bufferedAmount > 0);
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

/** Resolves when `promise` settles or after `ms`, whichever comes first (its outcome is the caller's to report). */
async function settledWithin(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** `close()`'s options, checked before anything closes (the promise rejects with `ERR_INVALID_OPTION`). */
function checkFlushTimeout(options: { flushTimeout?: number }): number {
  checkOptionKeys('close()', options, ['flushTimeout']);
  const { flushTimeout = CLOSE_DEFAULTS.flushTimeout } = options;
  if (!Number.isInteger(flushTimeout) || flushTimeout < 0) {
    throw new SockJsError(
      'ERR_INVALID_OPTION',
      `flushTimeout must be an integer of 0 or more, got ${String(flushTimeout)}`,
    );
  }
  return flushTimeout;
}

/** Creates an endpoint; throws `ERR_INVALID_OPTION` on bad options. */
export function createEndpoint(options: EndpointOptions): SockJsEndpoint {
  return new Endpoint(options);
}
