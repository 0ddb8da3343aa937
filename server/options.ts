import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkOptionKeys, hasCallbackMembers, SockJsError } from '../protocol';
import type { Logger, SockJsHandler, SockJsSession } from './handler';
import type { HandshakeInterceptor, PrincipalResolver } from './handshake';
import type { DroppedResponsePolicy } from '../transports';
import { originEntryProblem } from './http/origin';
import type { ClusterBus } from './cluster/types';

/** Options of one SockJS endpoint. Every limit has a documented default. */
export interface EndpointOptions {
  /** The path the endpoint owns, e.g. `/echo`. Required; must start with `/`, no trailing `/`. */
  prefix: string;
  /** The application. */
  handler: SockJsHandler;
  /**
   * Serve the SockJS protocol (every transport) under the prefix. `false` makes a plain websocket
   * endpoint at exactly the prefix: text and binary messages, no fallback. Default true.
   */
  sockjs?: boolean;
  /**
   * Browser origins allowed on every transport (websocket included); see `OriginPolicy`.
   * Default `[]`: same origin only. `['*']` allows any, explicitly.
   */
  allowedOrigins?: readonly string[];
  /** Run in order on the first request of every session; may refuse it or set attributes. Default none. */
  interceptors?: readonly HandshakeInterceptor[];
  /** Decides the session's user at the handshake. Default: none (sessions have no principal). */
  principal?: PrincipalResolver;
  /** Websocket sub-protocols offered, in order of preference of the client's list. Default none. */
  subprotocols?: readonly string[];
  /** Milliseconds between heartbeat frames on an idle receiver. Default 25 000. */
  heartbeatDelay?: number;
  /** Milliseconds a session waits without a receiver before it is closed. Default 5 000. */
  disconnectDelay?: number;
  /** Bytes of frames a streaming response carries before it is ended and the client reconnects. Default 131 072. */
  responseLimit?: number;
  /** Offer the websocket transports. Default true. */
  websocket?: boolean;
  /**
   * Set a `JSESSIONID` cookie on transport requests (for load balancers with sticky sessions).
   * `true` echoes the client's cookie or sets `dummy`; a function sets it itself. Default false.
   */
  jsessionid?: boolean | ((req: IncomingMessage, res: ServerResponse) => void);
  /**
   * URL of sockjs-client for the iframe page, written into it as given. Default: served by this
   * endpoint itself at `{prefix}/sockjs-client.<hash>.min.js` from the installed `sockjs-client`
   * package (so closed networks work), cached for a year since the name changes with the content;
   * the iframe page refers to it relatively (`./sockjs-client.<hash>.min.js`), so it loads behind
   * a proxy that strips or adds a path prefix.
   */
  clientScriptUrl?: string;
  /**
   * Largest text message, in UTF-8 bytes, as the handler would see it. Over it the websocket is
   * closed with 1009 and an xhr_send/jsonp_send is answered 413. Default 1 MiB.
   */
  maxTextMessageBytes?: number;
  /**
   * Largest xhr_send/jsonp_send body, in bytes (sockjs-client batches queued messages into one
   * body, so this is larger than one message). 413 over it. Default 8 MiB.
   */
  maxRequestBytes?: number;
  /** Largest binary websocket message (plain websocket endpoints), in bytes; 1009 over it. Default 1 MiB. */
  maxBinaryMessageBytes?: number;
  /** Close a session after this many ms without a message from the client (1001). 0 = never. Default 0. */
  idleTimeout?: number;
  /** Queued bytes at which `send()` starts returning false (`onDrain` follows). On plain websockets at least the socket's own 16 KiB (only a full socket emits 'drain'). Default 64 KiB. */
  sendHighWaterMark?: number;
  /** Messages a session may hold unsent (a client that stops reading); then `queueOverflow`. Default 10 000. */
  maxQueuedMessages?: number;
  /** Bytes a session may hold unsent; then `queueOverflow`. Default 4 MiB. */
  maxQueuedBytes?: number;
  /**
   * Past `maxQueuedMessages` or `maxQueuedBytes`: `'close'` the session with 4500 "Send queue
   * overflow", or `'drop'` the new message (`send()` returns false). Default 'close'.
   */
  queueOverflow?: 'close' | 'drop';
  /**
   * What a receiving HTTP response dropped by the network mid-way (client gone, proxy cut) does to
   * its session. `'interrupt'`: the session closes with 1002 "Connection interrupted" — the
   * protocol's rule, since frames written to it may be lost. `'resume-if-idle'`: when the response
   * had carried nothing but heartbeats (nothing can be lost) the session waits `disconnectDelay` for
   * the client to come back, else it is interrupted. `'resume'`: always wait; frames in flight on
   * the dropped response may be lost (at-most-once). Default 'interrupt'.
   */
  onDroppedResponse?: DroppedResponsePolicy;
  /**
   * The resume extension (docs/resume.md): ms a session of a client that asked for it waits for the
   * client to come back after its connection was lost; on its return nothing is lost or delivered
   * twice, either way, and the handler sees one session. Advertised in `/info`; clients that do not
   * ask for it (sockjs-client) see no difference. 0 = off. Default 0.
   */
  resumeWindow?: number;
  /**
   * Bytes (UTF-8) of sent messages a resumable session keeps until its client confirms them; at
   * the bound it sends no more until it hears from the client (they wait in the send queue, under
   * `maxQueuedBytes`). Default 1 MiB.
   */
  resumeMaxBytes?: number;
  /** Open sessions (and handshakes under way) the endpoint takes; more are answered 503. Default 50 000. */
  maxSessions?: number;
  /** Ms a request body may take to arrive (slowloris); 408 after. Default 10 000. */
  bodyTimeout?: number;
  /** Ms a websocket may take to answer the ping sent with each heartbeat; then it is dropped (1006). Default 10 000. */
  pongTimeout?: number;
  /**
   * Which client may reuse a session id: `'auto'` — the same HTTP session (express-session id) when
   * the session has one, else the same remote address; `'address'`; `'none'`; or your own check.
   * A request that fails it gets 404 and the session is untouched. Default 'auto'.
   */
  sessionBinding?: 'auto' | 'address' | 'none' | ((session: SockJsSession, req: IncomingMessage) => boolean);
  /** Where the endpoint reports problems. Default: warnings and errors to stderr. */
  logger?: Logger;
  /**
   * Ms between info lines of `endpoint.stats()` on the logger (`{ prefix, stats }`, "sockjs stats").
   * 0 = never. Default 0.
   */
  statsLogInterval?: number;
  /**
   * A cluster bus (`createRedisBus` of `sockjs-ts-server/cluster`): `broadcast`, `sendTo` and
   * `sendToUser` then reach sessions on every node of the bus (see docs/scaling.md). Default
   * none: everything stays in this process.
   */
  cluster?: ClusterBus;
}

/** Every key of EndpointOptions, at run time; the compiler keeps it complete and exact. */
export const ENDPOINT_OPTION_KEYS: readonly string[] = Object.keys({
  prefix: true,
  handler: true,
  sockjs: true,
  allowedOrigins: true,
  interceptors: true,
  principal: true,
  subprotocols: true,
  heartbeatDelay: true,
  disconnectDelay: true,
  responseLimit: true,
  websocket: true,
  jsessionid: true,
  clientScriptUrl: true,
  maxTextMessageBytes: true,
  maxRequestBytes: true,
  maxBinaryMessageBytes: true,
  idleTimeout: true,
  sendHighWaterMark: true,
  maxQueuedMessages: true,
  maxQueuedBytes: true,
  queueOverflow: true,
  onDroppedResponse: true,
  resumeWindow: true,
  resumeMaxBytes: true,
  maxSessions: true,
  bodyTimeout: true,
  pongTimeout: true,
  sessionBinding: true,
  statsLogInterval: true,
  cluster: true,
  logger: true,
} satisfies Record<keyof EndpointOptions, true>);

/** Options that stay optional once resolved: absent means "none" (no principal, the served client script). */
type OptionalWhenResolved = 'principal' | 'clientScriptUrl' | 'cluster';

/** The options with every default applied, as the endpoint reads them: derived, never declared twice. */
export type ResolvedOptions = Readonly<
  Required<Omit<EndpointOptions, OptionalWhenResolved>> & {
    [K in OptionalWhenResolved]: EndpointOptions[K] | undefined;
  }
>;

export const DEFAULTS = {
  heartbeatDelay: 25_000,
  disconnectDelay: 5_000,
  responseLimit: 128 * 1024,
  websocket: true,
  jsessionid: false,
  sockjs: true,
  allowedOrigins: [] as readonly string[],
  maxTextMessageBytes: 1024 * 1024,
  maxRequestBytes: 8 * 1024 * 1024,
  maxBinaryMessageBytes: 1024 * 1024,
  idleTimeout: 0,
  sendHighWaterMark: 64 * 1024,
  maxQueuedMessages: 10_000,
  maxQueuedBytes: 4 * 1024 * 1024,
  queueOverflow: 'close',
  onDroppedResponse: 'interrupt',
  resumeWindow: 0,
  resumeMaxBytes: 1024 * 1024,
  maxSessions: 50_000,
  bodyTimeout: 10_000,
  pongTimeout: 10_000,
  sessionBinding: 'auto',
  statsLogInterval: 0,
} as const satisfies Partial<ResolvedOptions>;

/** Defaults of `endpoint.close(options)`, beside the endpoint's own so every default has one home. */
export const CLOSE_DEFAULTS = {
  /** ms queued messages get to leave before sessions are closed. */
  flushTimeout: 5_000,
} as const;

/** Largest delay a Node timer honours (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

function invalid(name: string, why: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `${name} ${why}`);
}

function positiveInteger(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(name, `must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !/^\/[A-Za-z0-9_\-~./]*$/.test(prefix)) {
    throw invalid('prefix', `must be a path starting with "/" (letters, digits, - _ . ~ /), got ${String(prefix)}`);
  }
  if (prefix.length > 1 && prefix.endsWith('/')) throw invalid('prefix', 'must not end with "/"');
  return prefix === '/' ? '' : prefix;
}

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, 'must be a boolean');
  return value;
}

function checkOrigins(value: unknown): readonly string[] {
  if (value === undefined) return DEFAULTS.allowedOrigins;
  if (!Array.isArray(value)) throw invalid('allowedOrigins', 'must be an array of origins');
  for (const entry of value) {
    const problem = originEntryProblem(entry);
    if (problem) throw invalid('allowedOrigins', problem);
  }
  return [...(value as string[])];
}

function checkInterceptors(value: unknown): readonly HandshakeInterceptor[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('interceptors', 'must be an array');
  for (const interceptor of value as unknown[]) {
    if (!hasCallbackMembers(interceptor, ['beforeHandshake', 'afterHandshake'])) {
      throw invalid('interceptors', 'entries must have beforeHandshake/afterHandshake functions');
    }
  }
  return [...(value as HandshakeInterceptor[])];
}

function checkSubprotocols(value: unknown): readonly string[] {
  if (value === undefined) return [];
  const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && token.test(p))) {
    throw invalid('subprotocols', 'must be an array of protocol tokens');
  }
  return [...(value as string[])];
}

function nonNegativeInteger(name: string, value: unknown, fallback: number): number {
  if (value === 0) return 0;
  return positiveInteger(name, value, fallback, MAX_TIMER_MS);
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw invalid(name, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function checkBinding(value: unknown): ResolvedOptions['sessionBinding'] {
  if (typeof value === 'function') return value as ResolvedOptions['sessionBinding'];
  return oneOf('sessionBinding', value, ['auto', 'address', 'none'] as const, DEFAULTS.sessionBinding);
}

function checkHandler(handler: unknown): SockJsHandler {
  if (typeof handler !== 'object' || handler === null) throw invalid('handler', 'must be an object');
  for (const name of ['onOpen', 'onMessage', 'onBinaryMessage', 'onDrain', 'onTransportError', 'onClose'] as const) {
    const callback: unknown = (handler as Record<string, unknown>)[name];
    if (callback !== undefined && typeof callback !== 'function')
      throw invalid(`handler.${name}`, 'must be a function');
  }
  return handler;
}

function checkCluster(value: unknown): ClusterBus | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as ClusterBus).join !== 'function') {
    throw invalid('cluster', 'must be a cluster bus (createRedisBus)');
  }
  return value as ClusterBus;
}

/** A logger that keeps stdout quiet and never drops warnings or errors. */
export const stderrLogger: Logger = {
  debug() {},
  info() {},
  warn(obj, msg) {
    console.warn('[sockjs] warn', msg ?? '', obj);
  },
  error(obj, msg) {
    console.error('[sockjs] error', msg ?? '', obj);
  },
};

/** Applies defaults and validates; throws `ERR_INVALID_OPTION` on anything wrong. */
export function resolveOptions(options: EndpointOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
  checkOptionKeys('createEndpoint', options, ENDPOINT_OPTION_KEYS);
  const { jsessionid, clientScriptUrl, logger, principal } = options;
  if (jsessionid !== undefined && typeof jsessionid !== 'boolean' && typeof jsessionid !== 'function') {
    throw invalid('jsessionid', 'must be a boolean or a function');
  }
  if (clientScriptUrl !== undefined && (typeof clientScriptUrl !== 'string' || clientScriptUrl === '')) {
    throw invalid('clientScriptUrl', 'must be a non-empty string');
  }
  if (principal !== undefined && typeof principal !== 'function') throw invalid('principal', 'must be a function');
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.error !== 'function')) {
    throw invalid('logger', 'must be a pino-compatible logger');
  }
  return {
    prefix: checkPrefix(options.prefix),
    handler: checkHandler(options.handler),
    sockjs: booleanOption('sockjs', options.sockjs, DEFAULTS.sockjs),
    allowedOrigins: checkOrigins(options.allowedOrigins),
    interceptors: checkInterceptors(options.interceptors),
    principal,
    subprotocols: checkSubprotocols(options.subprotocols),
    heartbeatDelay: positiveInteger('heartbeatDelay', options.heartbeatDelay, DEFAULTS.heartbeatDelay, MAX_TIMER_MS),
    disconnectDelay: positiveInteger(
      'disconnectDelay',
      options.disconnectDelay,
      DEFAULTS.disconnectDelay,
      MAX_TIMER_MS,
    ),
    responseLimit: positiveInteger('responseLimit', options.responseLimit, DEFAULTS.responseLimit),
    websocket: booleanOption('websocket', options.websocket, DEFAULTS.websocket),
    jsessionid: jsessionid ?? DEFAULTS.jsessionid,
    clientScriptUrl,
    maxTextMessageBytes: positiveInteger(
      'maxTextMessageBytes',
      options.maxTextMessageBytes,
      DEFAULTS.maxTextMessageBytes,
    ),
    maxRequestBytes: positiveInteger('maxRequestBytes', options.maxRequestBytes, DEFAULTS.maxRequestBytes),
    maxBinaryMessageBytes: positiveInteger(
      'maxBinaryMessageBytes',
      options.maxBinaryMessageBytes,
      DEFAULTS.maxBinaryMessageBytes,
    ),
    idleTimeout: nonNegativeInteger('idleTimeout', options.idleTimeout, DEFAULTS.idleTimeout),
    sendHighWaterMark: positiveInteger('sendHighWaterMark', options.sendHighWaterMark, DEFAULTS.sendHighWaterMark),
    maxQueuedMessages: positiveInteger('maxQueuedMessages', options.maxQueuedMessages, DEFAULTS.maxQueuedMessages),
    maxQueuedBytes: positiveInteger('maxQueuedBytes', options.maxQueuedBytes, DEFAULTS.maxQueuedBytes),
    queueOverflow: oneOf('queueOverflow', options.queueOverflow, ['close', 'drop'] as const, DEFAULTS.queueOverflow),
    onDroppedResponse: oneOf(
      'onDroppedResponse',
      options.onDroppedResponse,
      ['interrupt', 'resume-if-idle', 'resume'] as const,
      DEFAULTS.onDroppedResponse,
    ),
    resumeWindow: nonNegativeInteger('resumeWindow', options.resumeWindow, DEFAULTS.resumeWindow),
    resumeMaxBytes: positiveInteger('resumeMaxBytes', options.resumeMaxBytes, DEFAULTS.resumeMaxBytes),
    maxSessions: positiveInteger('maxSessions', options.maxSessions, DEFAULTS.maxSessions),
    bodyTimeout: positiveInteger('bodyTimeout', options.bodyTimeout, DEFAULTS.bodyTimeout, MAX_TIMER_MS),
    pongTimeout: positiveInteger('pongTimeout', options.pongTimeout, DEFAULTS.pongTimeout, MAX_TIMER_MS),
    sessionBinding: checkBinding(options.sessionBinding),
    logger: logger ?? stderrLogger,
    statsLogInterval: nonNegativeInteger('statsLogInterval', options.statsLogInterval, DEFAULTS.statsLogInterval),
    cluster: checkCluster(options.cluster),
  };
}
