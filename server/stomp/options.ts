import { checkOptionKeys, hasCallbackMembers, SockJsError, STOMP_VERSIONS, type StompVersion } from '../../protocol';
import type { ClusterChannels } from '../cluster/types';
import type { Logger } from '../handler';
import type { MessageBroker } from './broker/broker';
import type { ChannelInterceptor } from './types';

/** Options of `createStompServer`. Every limit has a documented default. */
export interface StompServerOptions {
  /** Pub/sub destination prefixes of the in-memory broker (`enableSimpleBroker`). Default `['/topic']`. */
  topicPrefixes?: readonly string[];
  /** Point-to-point (one consumer per message) prefixes of the in-memory broker. Default `['/queue']`. */
  queuePrefixes?: readonly string[];
  /** Messages a queue keeps while none of its consumers is ready. Default 10 000. */
  maxQueuedMessages?: number;
  /** Queues that may exist at once (a SEND to a new name makes one). Default 10 000. */
  maxQueues?: number;
  /** Bytes one queue holds, waiting and unacknowledged (each message: its body + 256). Default 8 MiB. */
  maxQueuedBytes?: number;
  /** Bytes all queues hold together. Default 64 MiB. */
  maxBrokerQueuedBytes?: number;
  /** Another broker instead of the in-memory one (then the three options above are its own business). */
  broker?: MessageBroker;
  /**
   * A cluster bus (`createRedisBus` of `sockjs-ts-server/cluster`): the in-memory broker's topics and
   * the user destinations then reach subscribers on every node, and queues are kept in Redis for
   * the consumers of every node (the four queue bounds above then apply to what waits in Redis).
   * With `broker` (the relay, which reaches every node by itself) the bus carries the user destinations
   * and `clusterUsers()` only. Default none (this node only).
   */
  cluster?: ClusterChannels;
  /**
   * With `cluster`: queue messages a node takes from Redis at a time, for its consumers of that
   * queue (it takes more once they are handed out). Larger: fewer round trips; smaller: a slow
   * consumer holds fewer that another node's could take. Default 16.
   */
  clusterQueuePrefetch?: number;
  /** Prefixes routed to `messageMapping` handlers (`setApplicationDestinationPrefixes`). Default `['/app']`. */
  applicationPrefixes?: readonly string[];
  /** Prefix of user destinations (`setUserDestinationPrefix`); `false` turns them off. Default `'/user'`. */
  userPrefix?: string | false;
  /** The server's `heart-beat`: [can send every ms, wants one every ms]; [0, 0] turns them off. Default [10 000, 10 000]. */
  heartBeat?: readonly [number, number];
  /**
   * How many agreed client heart-beat intervals may pass without a byte from the client before the
   * session is closed (the slack the spec asks for: timers and networks are late). Default 2.
   */
  heartBeatTolerance?: number;
  /** Milliseconds from the session's open to its CONNECT frame (Spring: 60 000). Default 60 000. */
  connectTimeout?: number;
  /** Versions offered, a subset of 1.2, 1.1, 1.0. Default all three. */
  versions?: readonly StompVersion[];
  /** Largest frame in UTF-8 bytes, command to NUL (Spring: 64 KiB). Default 65 536. */
  maxFrameBytes?: number;
  /** Most header lines in one frame. Default 64. */
  maxHeaders?: number;
  /** Longest command or header line in UTF-8 bytes. Default 8 192. */
  maxHeaderBytes?: number;
  /** Subscriptions one session may hold. Default 1 024. */
  maxSubscriptionsPerSession?: number;
  /**
   * Unacknowledged messages one client-ack subscription may hold: a queue passes a consumer at its
   * limit over, a topic subscription at it counts as slow (see `slowSubscriberPolicy`). Default 1 024.
   */
  maxUnackedPerSubscription?: number;
  /** Transactions open at once in one session. Default 16. */
  maxTransactionsPerSession?: number;
  /** SENDs, ACKs and NACKs one transaction may hold until its COMMIT. Default 1 024. */
  maxFramesPerTransaction?: number;
  /** Body characters a session's open transactions may hold together. Default 1 MiB. */
  maxTransactionBytes?: number;
  /** Frames a session's outbound buffer holds while its transport is blocked. Default 1 024. */
  maxBufferedMessages?: number;
  /** UTF-8 bytes a session's outbound buffer holds while its transport is blocked. Default 1 MiB. */
  maxBufferedBytes?: number;
  /**
   * A full outbound buffer: `'close'` the slow session (ERROR "Slow consumer", then close), or
   * `'drop-oldest'` MESSAGE frames (counted; a dropped queue message goes to another consumer). Default `'close'`.
   */
  slowSubscriberPolicy?: 'close' | 'drop-oldest';
  /** Channel interceptors, run in order. Default none. */
  interceptors?: readonly ChannelInterceptor[];
  /** The CONNECTED frame's `server` header. Default `sockjs-ts-server/<version>`. */
  serverName?: string;
  /** Where protocol errors and handler failures are logged. Default: warnings and errors to stderr. */
  logger?: Logger;
}

export interface ResolvedStompOptions {
  readonly topicPrefixes: readonly string[];
  readonly queuePrefixes: readonly string[];
  readonly maxQueuedMessages: number;
  readonly maxQueues: number;
  readonly maxQueuedBytes: number;
  readonly maxBrokerQueuedBytes: number;
  readonly broker: MessageBroker | undefined;
  readonly cluster: ClusterChannels | undefined;
  readonly applicationPrefixes: readonly string[];
  readonly userPrefix: string | false;
  readonly heartBeat: readonly [number, number];
  readonly heartBeatTolerance: number;
  readonly connectTimeout: number;
  readonly versions: readonly StompVersion[];
  readonly maxFrameBytes: number;
  readonly maxHeaders: number;
  readonly maxHeaderBytes: number;
  readonly maxSubscriptionsPerSession: number;
  readonly maxUnackedPerSubscription: number;
  readonly maxTransactionsPerSession: number;
  readonly maxFramesPerTransaction: number;
  readonly clusterQueuePrefetch: number;
  readonly maxTransactionBytes: number;
  readonly maxBufferedMessages: number;
  readonly maxBufferedBytes: number;
  readonly slowSubscriberPolicy: 'close' | 'drop-oldest';
  readonly interceptors: readonly ChannelInterceptor[];
  readonly serverName: string;
  readonly logger: Logger | undefined;
}

export const STOMP_DEFAULTS = {
  topicPrefixes: ['/topic'],
  queuePrefixes: ['/queue'],
  maxQueuedMessages: 10_000,
  maxQueues: 10_000,
  maxQueuedBytes: 8 * 1024 * 1024,
  maxBrokerQueuedBytes: 64 * 1024 * 1024,
  applicationPrefixes: ['/app'],
  userPrefix: '/user',
  heartBeat: [10_000, 10_000],
  heartBeatTolerance: 2,
  connectTimeout: 60_000,
  versions: STOMP_VERSIONS,
  maxFrameBytes: 64 * 1024,
  maxHeaders: 64,
  maxHeaderBytes: 8 * 1024,
  maxSubscriptionsPerSession: 1024,
  maxUnackedPerSubscription: 1024,
  maxTransactionsPerSession: 16,
  maxFramesPerTransaction: 1024,
  clusterQueuePrefetch: 16,
  maxTransactionBytes: 1024 * 1024,
  maxBufferedMessages: 1024,
  maxBufferedBytes: 1024 * 1024,
  slowSubscriberPolicy: 'close',
} as const satisfies Partial<ResolvedStompOptions>;

/** Every key of StompServerOptions, at run time; the compiler keeps it complete and exact. */
const KNOWN_KEYS = Object.keys({
  topicPrefixes: true,
  queuePrefixes: true,
  maxQueuedMessages: true,
  maxQueues: true,
  maxQueuedBytes: true,
  maxBrokerQueuedBytes: true,
  broker: true,
  cluster: true,
  clusterQueuePrefetch: true,
  applicationPrefixes: true,
  userPrefix: true,
  heartBeat: true,
  heartBeatTolerance: true,
  connectTimeout: true,
  versions: true,
  maxFrameBytes: true,
  maxHeaders: true,
  maxHeaderBytes: true,
  maxSubscriptionsPerSession: true,
  maxUnackedPerSubscription: true,
  maxTransactionsPerSession: true,
  maxFramesPerTransaction: true,
  maxTransactionBytes: true,
  maxBufferedMessages: true,
  maxBufferedBytes: true,
  slowSubscriberPolicy: true,
  interceptors: true,
  serverName: true,
  logger: true,
} satisfies Record<keyof StompServerOptions, true>);

const LIMITS = [
  'maxQueuedMessages',
  'maxQueues',
  'maxQueuedBytes',
  'maxBrokerQueuedBytes',
  'maxFrameBytes',
  'maxHeaders',
  'maxHeaderBytes',
  'maxSubscriptionsPerSession',
  'maxUnackedPerSubscription',
  'maxTransactionsPerSession',
  'maxFramesPerTransaction',
  'clusterQueuePrefetch',
  'maxTransactionBytes',
  'maxBufferedMessages',
  'maxBufferedBytes',
  'connectTimeout',
] as const;

/** A day: longer timers overflow Node's 32-bit timeout. */
const MAX_MS = 86_400_000;

function invalid(name: string, problem: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `createStompServer: ${name} ${problem}`);
}

/** Defaults filled in; anything unknown or out of range throws ERR_INVALID_OPTION naming the option. */
export function resolveStompOptions(options: StompServerOptions = {}): ResolvedStompOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
  checkOptionKeys('createStompServer', options, KNOWN_KEYS);
  const resolved = { ...STOMP_DEFAULTS, ...stripUndefined(options) };
  for (const name of LIMITS) checkPositiveInteger(name, resolved[name]);
  return {
    ...resolved,
    topicPrefixes: checkPrefixes('topicPrefixes', resolved.topicPrefixes),
    queuePrefixes: checkPrefixes('queuePrefixes', resolved.queuePrefixes),
    applicationPrefixes: checkPrefixes('applicationPrefixes', resolved.applicationPrefixes),
    userPrefix: checkUserPrefix(resolved.userPrefix),
    broker: checkBroker(options.broker),
    cluster: checkCluster(options.cluster),
    heartBeat: checkHeartBeat(resolved.heartBeat),
    heartBeatTolerance: checkTolerance(resolved.heartBeatTolerance),
    versions: checkVersions(resolved.versions),
    slowSubscriberPolicy: checkPolicy(resolved.slowSubscriberPolicy),
    interceptors: checkInterceptors(options.interceptors),
    serverName: checkServerName(options.serverName),
    logger: options.logger,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function checkPositiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > Number.MAX_SAFE_INTEGER) {
    throw invalid(name, `must be a positive integer, got ${String(value)}`);
  }
  if (name === 'connectTimeout' && value > MAX_MS) throw invalid(name, `must be at most ${MAX_MS} ms`);
}

/** A destination prefix: `/` then path characters, no trailing `/`. */
export function prefixProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (!/^\/[^\s\0]*$/.test(value) || value.length < 2) return `"${value}" must start with "/" and name something`;
  if (value.endsWith('/')) return `"${value}" must not end with "/"`;
  return undefined;
}

/** Prefix lists are never empty: a broker with no topic prefix would have nowhere for Spring's default reply. */
function checkPrefixes(name: string, value: unknown): readonly string[] {
  if (!Array.isArray(value)) throw invalid(name, 'must be an array of prefixes');
  if (value.length === 0) throw invalid(name, 'must name at least one prefix');
  for (const entry of value as unknown[]) {
    const problem = prefixProblem(entry);
    if (problem) throw invalid(name, problem);
  }
  return [...(value as string[])];
}

function checkUserPrefix(value: unknown): string | false {
  if (value === false) return false;
  const problem = prefixProblem(value);
  if (problem) throw invalid('userPrefix', `${problem} (or false)`);
  return value as string;
}

function checkBroker(value: unknown): MessageBroker | undefined {
  if (value === undefined) return undefined;
  const shape = value as Record<string, unknown> | null;
  const methods = ['handles', 'subscribe', 'unsubscribe', 'publish', 'resume', 'stats'];
  if (typeof shape !== 'object' || shape === null || !methods.every((m) => typeof shape[m] === 'function')) {
    throw invalid('broker', `must implement MessageBroker (${methods.join(', ')})`);
  }
  return value as MessageBroker;
}

function checkCluster(value: unknown): ClusterChannels | undefined {
  if (value === undefined) return undefined;
  const shape = value as Record<string, unknown> | null;
  const methods = ['subscribe', 'unsubscribe', 'publishTo', 'channels', 'onReconnect', 'queueStore', 'presence'];
  if (typeof shape !== 'object' || shape === null || !methods.every((m) => typeof shape[m] === 'function')) {
    throw invalid('cluster', `must be a cluster bus (createRedisBus), with ${methods.join(', ')}`);
  }
  return value as ClusterChannels;
}

function checkHeartBeat(value: unknown): readonly [number, number] {
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((ms: unknown) => typeof ms === 'number' && Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_MS);
  if (!ok) throw invalid('heartBeat', `must be [sendEveryMs, receiveEveryMs], integers 0..${MAX_MS}`);
  return [value[0] as number, value[1] as number];
}

function checkTolerance(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > 100) {
    throw invalid('heartBeatTolerance', 'must be a number from 1 to 100');
  }
  return value;
}

function checkVersions(value: unknown): readonly StompVersion[] {
  const ok = Array.isArray(value) && value.length > 0 && value.every((v) => STOMP_VERSIONS.includes(v as StompVersion));
  if (!ok) throw invalid('versions', `must be a non-empty list of ${STOMP_VERSIONS.join(', ')}`);
  return [...(value as StompVersion[])];
}

function checkPolicy(value: unknown): 'close' | 'drop-oldest' {
  if (value !== 'close' && value !== 'drop-oldest')
    throw invalid('slowSubscriberPolicy', "must be 'close' or 'drop-oldest'");
  return value;
}

function checkInterceptors(value: unknown): readonly ChannelInterceptor[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('interceptors', 'must be an array');
  for (const entry of value as unknown[]) {
    if (!hasCallbackMembers(entry, ['inbound', 'outbound'])) {
      throw invalid('interceptors', 'entries must have inbound/outbound functions');
    }
  }
  return [...(value as ChannelInterceptor[])];
}

function checkServerName(value: unknown): string {
  if (value === undefined) return `sockjs-ts-server/${packageVersion()}`;
  if (typeof value !== 'string' || !/^[^\r\n\0]{1,256}$/.test(value))
    throw invalid('serverName', 'must be one line of text');
  return value;
}

/** Our package.json's version: found from dist/server/stomp and from the sources alike, three levels up. */
function packageVersion(): string {
  const pkg = require('../../../package.json') as { version: string };
  return pkg.version;
}
