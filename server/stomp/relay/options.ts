import { checkOptionKeys, SockJsError } from '../../../protocol';
import type { Logger } from '../../handler';
import { stderrLogger } from '../../options';
import { prefixProblem } from '../options';

/** Whose credentials a session's broker connection uses (see `sessionCredentials`). */
export type SessionCredentials = 'configured' | 'client';

export const SESSION_CREDENTIALS: readonly SessionCredentials[] = ['configured', 'client'];

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** Options of `createStompBrokerRelay` (Spring's `StompBrokerRelayMessageHandler` settings). */
export interface StompBrokerRelayOptions {
  /** The broker's STOMP (TCP) host. Default `127.0.0.1`. */
  host?: string;
  /** The broker's STOMP (TCP) port. Default 61613 (RabbitMQ's `rabbitmq_stomp`). */
  port?: number;
  /** Brokers to fail over to, tried in turn on every (re)connect; when given, `host` and `port` are not used. */
  brokers?: readonly BrokerAddress[];
  /** CONNECT's `login` on the system connection (and, by default, on the sessions' connections). Default `guest`. */
  login?: string;
  /** CONNECT's `passcode` on the system connection (and, by default, the sessions'). Default `guest`. */
  passcode?: string;
  /**
   * Whose credentials a client session's broker connection logs in with: `'configured'` (Spring's
   * relay: `clientLogin`/`clientPasscode` for every session) or `'client'` (the `login` and
   * `passcode` of the session's own CONNECT, as given, none when it gave none; a broker that refuses
   * them ends that session with an ERROR frame and is not asked again for it). Default `'configured'`.
   */
  sessionCredentials?: SessionCredentials;
  /** CONNECT's `login` on the sessions' connections with `sessionCredentials: 'configured'`. Default `login`. */
  clientLogin?: string;
  /** CONNECT's `passcode` on the sessions' connections with `sessionCredentials: 'configured'`. Default `passcode`. */
  clientPasscode?: string;
  /** CONNECT's `host` header: RabbitMQ's virtual host. Default `/`. */
  virtualHost?: string;
  /** Destinations relayed to the broker. Default `['/topic', '/queue', '/exchange', '/amq/queue']`. */
  destinationPrefixes?: readonly string[];
  /** `heart-beat` of every relay connection, [can send every ms, wants every ms]. Default [10 000, 10 000]. */
  systemHeartBeat?: readonly [number, number];
  /** Backoff between connection attempts: doubling from `initial` up to `max` ms, for ever. Default 1 000 / 30 000. */
  reconnectDelay?: { readonly initial?: number; readonly max?: number };
  /** Ms from the TCP connect to CONNECTED before the attempt counts as failed. Default 10 000. */
  connectTimeout?: number;
  /**
   * RabbitMQ's `prefetch-count` on client-ack subscriptions: unacknowledged messages the broker sends
   * one subscription at most. Keep it at or under the server's `maxUnackedPerSubscription` (default
   * 1 024 too), or a busy queue counts as a slow subscriber. Default 1 024.
   */
  prefetchCount?: number;
  /** Bytes of publishes waiting on the system connection's socket before a publish is refused (ERR_STOMP_LIMIT). Default 8 MiB. */
  maxPendingPublishBytes?: number;
  /** Default: warnings and errors to stderr. */
  logger?: Logger;
}

export interface ResolvedRelayOptions {
  readonly brokers: readonly BrokerAddress[];
  readonly login: string;
  readonly passcode: string;
  readonly sessionCredentials: SessionCredentials;
  /** The sessions' configured credentials (used with `sessionCredentials: 'configured'`). */
  readonly clientLogin: string;
  readonly clientPasscode: string;
  readonly virtualHost: string;
  readonly destinationPrefixes: readonly string[];
  readonly heartBeat: readonly [number, number];
  readonly reconnect: { readonly initial: number; readonly max: number };
  readonly connectTimeout: number;
  readonly prefetchCount: number;
  readonly maxPendingPublishBytes: number;
  readonly logger: Logger;
}

export const RELAY_DEFAULTS = {
  host: '127.0.0.1',
  port: 61613,
  login: 'guest',
  passcode: 'guest',
  sessionCredentials: 'configured',
  virtualHost: '/',
  destinationPrefixes: ['/topic', '/queue', '/exchange', '/amq/queue'],
  systemHeartBeat: [10_000, 10_000],
  reconnectDelay: { initial: 1000, max: 30_000 },
  connectTimeout: 10_000,
  prefetchCount: 1024,
  maxPendingPublishBytes: 8 * 1024 * 1024,
} as const;

const KNOWN_KEYS = Object.keys({
  host: true,
  port: true,
  brokers: true,
  login: true,
  passcode: true,
  sessionCredentials: true,
  clientLogin: true,
  clientPasscode: true,
  virtualHost: true,
  destinationPrefixes: true,
  systemHeartBeat: true,
  reconnectDelay: true,
  connectTimeout: true,
  prefetchCount: true,
  maxPendingPublishBytes: true,
  logger: true,
} satisfies Record<keyof StompBrokerRelayOptions, true>);

const MAX_MS = 86_400_000;

function invalid(name: string, problem: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `createStompBrokerRelay: ${name} ${problem}`);
}

export function resolveRelayOptions(options: StompBrokerRelayOptions): ResolvedRelayOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
  checkOptionKeys('createStompBrokerRelay', options, KNOWN_KEYS);
  const host = options.host ?? RELAY_DEFAULTS.host;
  const port = options.port ?? RELAY_DEFAULTS.port;
  const brokers = checkBrokers(options.brokers ?? [{ host, port }]);
  const reconnect = { ...RELAY_DEFAULTS.reconnectDelay, ...options.reconnectDelay };
  checkMs('reconnectDelay.initial', reconnect.initial, 1);
  checkMs('reconnectDelay.max', reconnect.max, reconnect.initial);
  const connectTimeout = options.connectTimeout ?? RELAY_DEFAULTS.connectTimeout;
  checkMs('connectTimeout', connectTimeout, 1);
  const prefetchCount = options.prefetchCount ?? RELAY_DEFAULTS.prefetchCount;
  checkCount('prefetchCount', prefetchCount);
  const maxPendingPublishBytes = options.maxPendingPublishBytes ?? RELAY_DEFAULTS.maxPendingPublishBytes;
  checkCount('maxPendingPublishBytes', maxPendingPublishBytes);
  const heartBeat = options.systemHeartBeat ?? RELAY_DEFAULTS.systemHeartBeat;
  if (!Array.isArray(heartBeat) || heartBeat.length !== 2) throw invalid('systemHeartBeat', 'must be [ms, ms]');
  checkMs('systemHeartBeat[0]', heartBeat[0], 0);
  checkMs('systemHeartBeat[1]', heartBeat[1], 0);
  const login = oneLine('login', options.login ?? RELAY_DEFAULTS.login);
  const passcode = oneLine('passcode', options.passcode ?? RELAY_DEFAULTS.passcode);
  return {
    brokers,
    login,
    passcode,
    ...sessionCredentialsOf(options, login, passcode),
    virtualHost: oneLine('virtualHost', options.virtualHost ?? RELAY_DEFAULTS.virtualHost),
    destinationPrefixes: checkPrefixes(options.destinationPrefixes ?? RELAY_DEFAULTS.destinationPrefixes),
    heartBeat: [heartBeat[0], heartBeat[1]],
    reconnect,
    connectTimeout,
    prefetchCount,
    maxPendingPublishBytes,
    logger: options.logger ?? stderrLogger,
  };
}

/** `sessionCredentials` and the configured session login; the latter mean nothing with `'client'`, so are refused there. */
function sessionCredentialsOf(
  options: StompBrokerRelayOptions,
  login: string,
  passcode: string,
): Pick<ResolvedRelayOptions, 'sessionCredentials' | 'clientLogin' | 'clientPasscode'> {
  const sessionCredentials = options.sessionCredentials ?? RELAY_DEFAULTS.sessionCredentials;
  if (!SESSION_CREDENTIALS.includes(sessionCredentials)) {
    throw invalid('sessionCredentials', `must be 'configured' or 'client', got ${String(sessionCredentials)}`);
  }
  if (sessionCredentials === 'client' && (options.clientLogin !== undefined || options.clientPasscode !== undefined)) {
    throw invalid('clientLogin', "and clientPasscode are not used with sessionCredentials 'client'");
  }
  return {
    sessionCredentials,
    clientLogin: oneLine('clientLogin', options.clientLogin ?? login),
    clientPasscode: oneLine('clientPasscode', options.clientPasscode ?? passcode),
  };
}

function checkBrokers(value: unknown): readonly BrokerAddress[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalid('brokers', 'must be a non-empty list of { host, port }');
  for (const entry of value as Partial<BrokerAddress>[]) {
    const ok =
      typeof entry?.host === 'string' &&
      entry.host !== '' &&
      Number.isInteger(entry.port) &&
      (entry.port as number) > 0 &&
      (entry.port as number) < 65536;
    if (!ok) throw invalid('brokers', `entry ${JSON.stringify(entry)} is not { host, port }`);
  }
  return (value as BrokerAddress[]).map(({ host, port }) => ({ host, port }));
}

function checkMs(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > MAX_MS) {
    throw invalid(name, `must be an integer from ${min} to ${MAX_MS} ms, got ${String(value)}`);
  }
}

function checkCount(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(name, `must be a positive integer, got ${String(value)}`);
  }
}

/** CONNECT headers are written unescaped: no CR, LF or NUL (and no colon would matter only in a name). */
function oneLine(name: string, value: unknown): string {
  if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw invalid(name, 'must be one line of text');
  return value;
}

function checkPrefixes(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalid('destinationPrefixes', 'must name at least one prefix');
  for (const entry of value as unknown[]) {
    const problem = prefixProblem(entry);
    if (problem) throw invalid('destinationPrefixes', problem);
  }
  return [...(value as string[])];
}
