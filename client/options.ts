/** The client's options: each named, with its default, and checked at construction. */
import { SockJsError } from '../protocol/errors';
import { checkOptionKeys } from '../protocol/option-keys';
import type { EventSourceConstructor, WebSocketConstructor } from './platform';
import type { Backoff } from './reconnect';
import { CLIENT_TRANSPORTS, type ClientTransportName } from './transport/types';

export interface SockJsSocketOptions {
  /** Transports it may use, tried in the client's order (websocket, xhr-streaming, eventsource, xhr-polling). Default: all. */
  readonly transports?: readonly ClientTransportName[];
  /** Least ms a transport may take to open before the next is tried; the RTO-based timeout applies when longer. Default 0. */
  readonly timeout?: number;
  /** Ms the `/info` request may take. Default 8000 (sockjs-client's). */
  readonly infoTimeout?: number;
  /** The server id part of session URLs. Default: three random digits. */
  readonly server?: string;
  /** Makes the session id of each connection. Default: 8 random letters and digits. */
  readonly sessionId?: () => string;
  /** WebSocket constructor. Default: the global `WebSocket`; in Node 20 pass `ws`'s. Without one, websocket is skipped. */
  readonly WebSocket?: WebSocketConstructor;
  /** EventSource constructor. Default: the global `EventSource`; in Node pass the `eventsource` package's. Without one, eventsource is skipped. */
  readonly EventSource?: EventSourceConstructor;
  /** The server's heartbeat interval, in ms (sockjs-node, Spring and this server: 25 000). Default 25 000. */
  readonly heartbeatInterval?: number;
  /** With no frame for `heartbeatInterval × livenessMultiple` ms the connection is taken as dead. 0 = never. Default 2. */
  readonly livenessMultiple?: number;
  /** Reconnect after a lost connection, a failed attempt, or a transient close (1001, 1006, 1011...). Default true. */
  readonly reconnect?: boolean;
  /** Ms before the first reconnect attempt. Default 1000. */
  readonly minReconnectDelay?: number;
  /** Ms no reconnect delay exceeds. Default 30 000. */
  readonly maxReconnectDelay?: number;
  /** Growth of the reconnect delay per attempt. Default 2. */
  readonly reconnectFactor?: number;
  /** Fraction (0–1) of each reconnect delay taken off at random. Default 0.5. */
  readonly reconnectJitter?: number;
  /** Attempts after one loss before giving up (then `close`). Default Infinity. */
  readonly maxReconnectAttempts?: number;
  /** Messages `send()` may queue while there is no open transport; past it, it throws ERR_CLIENT_QUEUE_FULL. Default 1000. */
  readonly maxQueuedMessages?: number;
  /** UTF-8 bytes `send()` may queue while there is no open transport; past it, it throws ERR_CLIENT_QUEUE_FULL. Default 1 MiB. */
  readonly maxQueuedBytes?: number;
}

/** The options with every default applied. */
export interface ResolvedSocketOptions {
  readonly transports: readonly ClientTransportName[];
  readonly timeout: number;
  readonly infoTimeout: number;
  readonly server: string | undefined;
  readonly sessionId: (() => string) | undefined;
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly EventSource: EventSourceConstructor | undefined;
  /** Ms without any frame after which the connection is dead; 0 = never. */
  readonly livenessTimeout: number;
  readonly reconnect: boolean;
  readonly backoff: Backoff;
  readonly maxReconnectAttempts: number;
  readonly maxQueuedMessages: number;
  readonly maxQueuedBytes: number;
}

const OPTION_KEYS = Object.keys({
  transports: true,
  timeout: true,
  infoTimeout: true,
  server: true,
  sessionId: true,
  WebSocket: true,
  EventSource: true,
  heartbeatInterval: true,
  livenessMultiple: true,
  reconnect: true,
  minReconnectDelay: true,
  maxReconnectDelay: true,
  reconnectFactor: true,
  reconnectJitter: true,
  maxReconnectAttempts: true,
  maxQueuedMessages: true,
  maxQueuedBytes: true,
} satisfies Record<keyof SockJsSocketOptions, true>);

/** Timers above 2^31−1 ms fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

function invalid(detail: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `SockJsSocket: ${detail}`);
}

function numberIn(name: string, value: unknown, fallback: number, min: number, max: number, integer = true): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok && !(value === Infinity && max === Infinity)) {
    throw invalid(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function constructorOption<T>(name: string, value: unknown, fallback: T | undefined): T | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw invalid(`${name} must be a constructor, got ${typeof value}`);
  return value as T;
}

function transportsOption(value: unknown): readonly ClientTransportName[] {
  if (value === undefined) return CLIENT_TRANSPORTS;
  if (!Array.isArray(value) || value.length === 0) throw invalid('transports must be a non-empty array');
  for (const name of value) {
    if (!(CLIENT_TRANSPORTS as readonly unknown[]).includes(name)) {
      throw invalid(`unknown transport ${JSON.stringify(name)}; known: ${CLIENT_TRANSPORTS.join(', ')}`);
    }
  }
  // The client's order of preference, whatever the order given.
  return CLIENT_TRANSPORTS.filter((name) => (value as unknown[]).includes(name));
}

function serverOption(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[^./?#]+$/.test(value)) {
    throw invalid('server must be a non-empty string without ".", "/", "?" or "#"');
  }
  return value;
}

function reconnectOptions(
  options: SockJsSocketOptions,
): Pick<ResolvedSocketOptions, 'backoff' | 'reconnect' | 'maxReconnectAttempts'> {
  if (options.reconnect !== undefined && typeof options.reconnect !== 'boolean')
    throw invalid('reconnect must be a boolean');
  const minDelay = numberIn('minReconnectDelay', options.minReconnectDelay, 1000, 0, MAX_TIMER_MS);
  const maxDelay = numberIn('maxReconnectDelay', options.maxReconnectDelay, 30_000, 0, MAX_TIMER_MS);
  if (maxDelay < minDelay) throw invalid(`maxReconnectDelay (${maxDelay}) is below minReconnectDelay (${minDelay})`);
  const factor = numberIn('reconnectFactor', options.reconnectFactor, 2, 1, 100, false);
  const jitter = numberIn('reconnectJitter', options.reconnectJitter, 0.5, 0, 1, false);
  return {
    reconnect: options.reconnect ?? true,
    backoff: { minDelay, maxDelay, factor, jitter },
    maxReconnectAttempts: numberIn('maxReconnectAttempts', options.maxReconnectAttempts, Infinity, 0, Infinity),
  };
}

function livenessTimeout(options: SockJsSocketOptions): number {
  const interval = numberIn('heartbeatInterval', options.heartbeatInterval, 25_000, 1, MAX_TIMER_MS);
  const multiple = numberIn('livenessMultiple', options.livenessMultiple, 2, 0, 1000, false);
  if (multiple !== 0 && multiple < 1) throw invalid(`livenessMultiple must be 0 (off) or at least 1, got ${multiple}`);
  return Math.min(MAX_TIMER_MS, Math.round(interval * multiple));
}

export function resolveSocketOptions(
  options: SockJsSocketOptions,
  globals: Pick<ResolvedSocketOptions, 'WebSocket' | 'EventSource'>,
): ResolvedSocketOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  checkOptionKeys('SockJsSocket', options, OPTION_KEYS);
  if (options.sessionId !== undefined && typeof options.sessionId !== 'function') {
    throw invalid('sessionId must be a function returning a string');
  }
  return {
    transports: transportsOption(options.transports),
    timeout: numberIn('timeout', options.timeout, 0, 0, MAX_TIMER_MS),
    infoTimeout: numberIn('infoTimeout', options.infoTimeout, 8000, 1, MAX_TIMER_MS),
    server: serverOption(options.server),
    sessionId: options.sessionId,
    WebSocket: constructorOption('WebSocket', options.WebSocket, globals.WebSocket),
    EventSource: constructorOption('EventSource', options.EventSource, globals.EventSource),
    livenessTimeout: livenessTimeout(options),
    ...reconnectOptions(options),
    maxQueuedMessages: numberIn('maxQueuedMessages', options.maxQueuedMessages, 1000, 0, Infinity),
    maxQueuedBytes: numberIn('maxQueuedBytes', options.maxQueuedBytes, 1024 * 1024, 0, Infinity),
  };
}

/** The base URL (http or https, no trailing slash) and its query string, from what the caller gave. */
export function parseBaseUrl(url: unknown): { base: string; query: string } {
  if (typeof url !== 'string') throw invalid(`url must be a string, got ${typeof url}`);
  const match = /^(https?|wss?):\/\/([^/?#]+)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!match) throw invalid(`url must be an absolute http(s) or ws(s) URL, got ${JSON.stringify(url)}`);
  const scheme = (match[1] as string).toLowerCase().replace(/^ws/, 'http');
  const path = (match[3] as string).replace(/\/+$/, '');
  return { base: `${scheme}://${match[2] as string}${path}`, query: match[4] ?? '' };
}
