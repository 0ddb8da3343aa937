/** The client's options: each named, with its default, and checked at construction. */
import { SockJsError } from '../protocol/error-class';
import { refuseUnknownKeys } from '../protocol/option-keys';
import type { EventSourceConstructor, WebSocketConstructor } from './platform';
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
  /**
   * Use the resume extension when the server offers it (docs/resume.md): a lost connection is
   * replaced under the same server session, losing nothing either way. Default true.
   */
  readonly resume?: boolean;
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
  /**
   * Characters of one frame the HTTP transports hold while it arrives (a server that never ends a
   * line would otherwise fill memory); past it the connection is dropped with 1009. Default 32 Mi.
   */
  readonly maxFrameLength?: number;
}

/** The options that are numbers. */
type NumericOption = {
  [K in keyof SockJsSocketOptions]-?: NonNullable<SockJsSocketOptions[K]> extends number ? K : never;
}[keyof SockJsSocketOptions];

/** Timers above 2^31−1 ms fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** Default, least and greatest value of each number, and whether it must be an integer (default yes). */
const NUMBERS: Readonly<Record<NumericOption, readonly [number, number, number, boolean?]>> = {
  timeout: [0, 0, MAX_TIMER_MS],
  infoTimeout: [8000, 1, MAX_TIMER_MS],
  heartbeatInterval: [25_000, 1, MAX_TIMER_MS],
  livenessMultiple: [2, 0, 1000, false],
  minReconnectDelay: [1000, 0, MAX_TIMER_MS],
  maxReconnectDelay: [30_000, 0, MAX_TIMER_MS],
  reconnectFactor: [2, 1, 100, false],
  reconnectJitter: [0.5, 0, 1, false],
  maxReconnectAttempts: [Infinity, 0, Infinity],
  maxQueuedMessages: [1000, 0, Infinity],
  maxQueuedBytes: [1_048_576, 0, Infinity], // 1 MiB
  maxFrameLength: [33_554_432, 1, Infinity], // 32 Mi
};

/** The other options but `transports`: the `typeof` each must have, and what the message calls it. */
const TYPED = {
  server: ['string', 'a string'],
  sessionId: ['function', 'a function'],
  WebSocket: ['function', 'a constructor'],
  EventSource: ['function', 'a constructor'],
  reconnect: ['boolean', 'a boolean'],
  resume: ['boolean', 'a boolean'],
} as const satisfies Record<
  Exclude<keyof SockJsSocketOptions, NumericOption | 'transports'>,
  readonly [string, string]
>;

/** The options with every default applied. */
export type ResolvedSocketOptions = Readonly<Record<NumericOption, number>> & {
  readonly transports: readonly ClientTransportName[];
  readonly server: string | undefined;
  readonly sessionId: (() => string) | undefined;
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly EventSource: EventSourceConstructor | undefined;
  readonly reconnect: boolean;
  readonly resume: boolean;
  /** Ms without any frame after which the connection is dead; 0 = never. */
  readonly livenessTimeout: number;
};

/** ERR_INVALID_OPTION, its detail after "SockJsSocket: ". */
export function invalidOption(detail: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `SockJsSocket: ${detail}`);
}

function numbers(options: SockJsSocketOptions): Record<NumericOption, number> {
  const resolved = {} as Record<NumericOption, number>;
  for (const [name, [fallback, min, max, integer = true]] of Object.entries(NUMBERS) as [
    NumericOption,
    readonly [number, number, number, boolean?],
  ][]) {
    const value: unknown = options[name];
    const ok =
      typeof value === 'number' &&
      value >= min &&
      value <= max &&
      (!integer || Number.isInteger(value) || value === Infinity);
    if (value !== undefined && !ok) {
      throw invalidOption(
        `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${String(value)}`,
      );
    }
    resolved[name] = value ?? fallback;
  }
  if (resolved.maxReconnectDelay < resolved.minReconnectDelay)
    throw invalidOption('maxReconnectDelay is below minReconnectDelay');
  if (resolved.livenessMultiple > 0 && resolved.livenessMultiple < 1)
    throw invalidOption('livenessMultiple must be 0 (off) or at least 1');
  return resolved;
}

function transportsOption(value: unknown): readonly ClientTransportName[] {
  if (value === undefined) return CLIENT_TRANSPORTS;
  if (!Array.isArray(value) || value.length === 0) throw invalidOption('transports must be a non-empty array');
  for (const name of value) {
    if (!(CLIENT_TRANSPORTS as readonly unknown[]).includes(name)) {
      throw invalidOption(`unknown transport ${JSON.stringify(name)}; known: ${CLIENT_TRANSPORTS.join(', ')}`);
    }
  }
  // The client's order of preference, whatever the order given.
  return CLIENT_TRANSPORTS.filter((name) => (value as unknown[]).includes(name));
}

/** A URL path segment (server id, session id): no '.', '/', '?' or '#'. */
export const PATH_SEGMENT = /^[^./?#]+$/;

export function resolveSocketOptions(
  options: SockJsSocketOptions,
  globals: Pick<ResolvedSocketOptions, 'WebSocket' | 'EventSource'>,
): ResolvedSocketOptions {
  if (typeof options !== 'object' || options === null) throw invalidOption('options must be an object');
  // Unknown keys listed with the known ones; no "did you mean": the edit distance would cost the bundle.
  refuseUnknownKeys('SockJsSocket', options, [...Object.keys(NUMBERS), ...Object.keys(TYPED), 'transports']);
  for (const [name, [type, what]] of Object.entries(TYPED)) {
    const value: unknown = options[name as keyof typeof TYPED];
    if (value !== undefined && typeof value !== type)
      throw invalidOption(`${name} must be ${what}, got ${typeof value}`);
  }
  if (options.server !== undefined && !PATH_SEGMENT.test(options.server)) {
    throw invalidOption('server must be a non-empty string without ".", "/", "?" or "#"');
  }
  const resolved = numbers(options);
  return {
    ...resolved,
    transports: transportsOption(options.transports),
    server: options.server,
    sessionId: options.sessionId,
    WebSocket: options.WebSocket ?? globals.WebSocket,
    EventSource: options.EventSource ?? globals.EventSource,
    reconnect: options.reconnect ?? true,
    resume: options.resume ?? true,
    livenessTimeout: Math.min(MAX_TIMER_MS, Math.round(resolved.heartbeatInterval * resolved.livenessMultiple)),
  };
}

/** The base URL (http or https, no trailing slash) and its query string, from what the caller gave. */
export function parseBaseUrl(url: unknown): { base: string; query: string } {
  if (typeof url !== 'string') throw invalidOption(`url must be a string, got ${typeof url}`);
  const match = /^(https?|wss?):\/\/([^/?#]+)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!match) throw invalidOption(`url must be an absolute http(s) or ws(s) URL, got ${JSON.stringify(url)}`);
  const scheme = (match[1] as string).toLowerCase().replace(/^ws/, 'http');
  const path = (match[3] as string).replace(/\/+$/, '');
  return { base: `${scheme}://${match[2] as string}${path}`, query: match[4] ?? '' };
}
