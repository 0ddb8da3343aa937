import type { IncomingMessage, ServerResponse } from 'node:http';
import { SockJsError } from './errors';
import type { Logger, SockJsHandler } from './handler';

/** Options of one SockJS endpoint. Every limit has a documented default. */
export interface EndpointOptions {
  /** The path the endpoint owns, e.g. `/echo`. Required; must start with `/`, no trailing `/`. */
  prefix: string;
  /** The application. */
  handler: SockJsHandler;
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
   * URL of sockjs-client for the iframe page. Default: served by this endpoint itself at
   * `{prefix}/sockjs.min.js` from the installed `sockjs-client` package, so closed networks work.
   */
  clientScriptUrl?: string;
  /** Largest request body (xhr_send, jsonp_send) or websocket message, in bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Where the endpoint reports problems. Default: warnings and errors to stderr. */
  logger?: Logger;
}

export interface ResolvedOptions {
  prefix: string;
  handler: SockJsHandler;
  heartbeatDelay: number;
  disconnectDelay: number;
  responseLimit: number;
  websocket: boolean;
  jsessionid: boolean | ((req: IncomingMessage, res: ServerResponse) => void);
  clientScriptUrl: string | undefined;
  maxPayloadBytes: number;
  logger: Logger;
}

export const DEFAULTS = {
  heartbeatDelay: 25_000,
  disconnectDelay: 5_000,
  responseLimit: 128 * 1024,
  websocket: true,
  jsessionid: false,
  maxPayloadBytes: 1024 * 1024,
} as const satisfies Partial<ResolvedOptions>;

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
  if (typeof prefix !== 'string' || !/^\/[A-Za-z0-9_\-~.\/]*$/.test(prefix)) {
    throw invalid('prefix', `must be a path starting with "/" (letters, digits, - _ . ~ /), got ${String(prefix)}`);
  }
  if (prefix.length > 1 && prefix.endsWith('/')) throw invalid('prefix', 'must not end with "/"');
  return prefix === '/' ? '' : prefix;
}

function checkHandler(handler: unknown): SockJsHandler {
  if (typeof handler !== 'object' || handler === null) throw invalid('handler', 'must be an object');
  for (const name of ['onOpen', 'onMessage', 'onTransportError', 'onClose'] as const) {
    const callback: unknown = (handler as Record<string, unknown>)[name];
    if (callback !== undefined && typeof callback !== 'function') throw invalid(`handler.${name}`, 'must be a function');
  }
  return handler as SockJsHandler;
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
  const { jsessionid, clientScriptUrl, websocket, logger } = options;
  if (jsessionid !== undefined && typeof jsessionid !== 'boolean' && typeof jsessionid !== 'function') {
    throw invalid('jsessionid', 'must be a boolean or a function');
  }
  if (clientScriptUrl !== undefined && (typeof clientScriptUrl !== 'string' || clientScriptUrl === '')) {
    throw invalid('clientScriptUrl', 'must be a non-empty string');
  }
  if (websocket !== undefined && typeof websocket !== 'boolean') throw invalid('websocket', 'must be a boolean');
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.error !== 'function')) {
    throw invalid('logger', 'must be a pino-compatible logger');
  }
  return {
    prefix: checkPrefix(options.prefix),
    handler: checkHandler(options.handler),
    heartbeatDelay: positiveInteger('heartbeatDelay', options.heartbeatDelay, DEFAULTS.heartbeatDelay, MAX_TIMER_MS),
    disconnectDelay: positiveInteger('disconnectDelay', options.disconnectDelay, DEFAULTS.disconnectDelay, MAX_TIMER_MS),
    responseLimit: positiveInteger('responseLimit', options.responseLimit, DEFAULTS.responseLimit),
    websocket: websocket ?? DEFAULTS.websocket,
    jsessionid: jsessionid ?? DEFAULTS.jsessionid,
    clientScriptUrl,
    maxPayloadBytes: positiveInteger('maxPayloadBytes', options.maxPayloadBytes, DEFAULTS.maxPayloadBytes),
    logger: logger ?? stderrLogger,
  };
}
