/**
 * The cluster bus on Redis pub/sub. Two connections per node: one publishes (and keeps the session
 * registry), one listens. A message is published once; every other node delivers it to its own
 * sessions (the publisher delivered locally already, so nobody gets it twice). A node listens to a
 * user's channel only while it holds a session of that user.
 */
import { randomUUID } from 'node:crypto';
import type * as NodeRedis from 'redis';
import type { RedisClientType } from 'redis';
import { checkOptionKeys, SockJsError } from '../../protocol';
import type { Logger } from '../handler';
import { stderrLogger } from '../options';
import { EndpointLink, type BusCore } from './link';
import { PresenceLink } from './presence';
import { RedisQueueStore } from './redis-queues';
import type { ClusterBus, ClusterChannels, ClusterMember, ClusterPresence, ClusterQueueStore } from './types';
import { decodeEnvelope, encodeEnvelope, GapDetector, Sequencer, type Envelope } from './wire';
import { BusCounters, type ClusterBusStats } from './stats';
import { RedisRegistry, type ClusterSession } from './registry';

export interface RedisBusOptions {
  /** `redis://host:port` (node-redis's `url`). Required. */
  url: string;
  /** This node's id on the bus: letters, digits, `-`, `_`, `.`. Default a random one per bus. */
  nodeId?: string;
  /** Where the bus reports outages, drops and gaps. Default: warnings and errors to stderr. */
  logger?: Logger;
  /** Sharded pub/sub (SPUBLISH/SSUBSCRIBE). Default: when the server is Redis 7 or later. */
  sharded?: boolean;
  /** Ms a session's registry entry lives unless refreshed (refreshed every third of it). Default 60 000. */
  registryTtl?: number;
  /** Largest pause between reconnect attempts, in ms (the pause doubles from 50 ms, with jitter). Default 5 000. */
  reconnectMaxDelay?: number;
}

export const REDIS_BUS_DEFAULTS = { registryTtl: 60_000, reconnectMaxDelay: 5_000 } as const;

export interface RedisClusterBus extends ClusterBus, ClusterChannels {
  /** Connects both connections (retrying with backoff) and listens to the channels of the endpoints joined so far. */
  start(): Promise<void>;
  /** Leaves every channel and closes both connections. */
  close(): Promise<void>;
  /** Like an endpoint's `sendTo`, with the answer: true when a node holds the session and the message was published. */
  sendTo(prefix: string, sessionId: string, message: string): Promise<boolean>;
  /**
   * The users with a session on any node of the endpoint at `prefix`, sorted, from the registry
   * (entries of a node that died expire after `registryTtl`). Rejects while Redis is away.
   */
  users(prefix: string): Promise<string[]>;
  /** The sessions of `user` on every node of the endpoint at `prefix`. Rejects while Redis is away. */
  sessionsOf(prefix: string, user: string): Promise<ClusterSession[]>;
  /** Counters since the bus was created. */
  stats(): ClusterBusStats;
}

type Client = RedisClientType;
type CreateClient = typeof NodeRedis.createClient;

/**
 * node-redis, loaded when a bus is created (an optional peer): without it, the error says how to
 * install it instead of Node's bare "Cannot find module".
 */
function loadCreateClient(): CreateClient {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use, not on import
    return (require('redis') as typeof NodeRedis).createClient;
  } catch (error) {
    throw new SockJsError(
      'ERR_REDIS_MISSING',
      'the cluster bus needs node-redis, an optional peer dependency: run `npm install redis`',
      { cause: error },
    );
  }
}

function invalid(why: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `createRedisBus: ${why}`);
}

function checkInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 3 || value > 2_147_483_647) {
    throw invalid(`${name} must be an integer from 3 to 2147483647, got ${String(value)}`);
  }
  return value;
}

interface Resolved {
  url: string;
  nodeId: string;
  logger: Logger;
  sharded: boolean | undefined;
  registryTtl: number;
  reconnectMaxDelay: number;
}

function resolveBusOptions(options: RedisBusOptions): Resolved {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  checkOptionKeys('createRedisBus', options, [
    'url',
    'nodeId',
    'logger',
    'sharded',
    'registryTtl',
    'reconnectMaxDelay',
  ]);
  const { url, nodeId = randomUUID(), logger = stderrLogger, sharded } = options;
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw invalid('url must be a redis:// or rediss:// URL');
  if (typeof nodeId !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) {
    throw invalid('nodeId must be 1 to 64 letters, digits, "-", "_" or "."');
  }
  if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function') {
    throw invalid('logger must be a pino-compatible logger');
  }
  if (sharded !== undefined && typeof sharded !== 'boolean') throw invalid('sharded must be a boolean');
  return {
    url,
    nodeId,
    logger,
    sharded,
    registryTtl: checkInteger('registryTtl', options.registryTtl, REDIS_BUS_DEFAULTS.registryTtl),
    reconnectMaxDelay: checkInteger(
      'reconnectMaxDelay',
      options.reconnectMaxDelay,
      REDIS_BUS_DEFAULTS.reconnectMaxDelay,
    ),
  };
}

/** Doubling from 50 ms up to `max`, each pause jittered down by up to half so nodes do not reconnect in step. */
function backoff(max: number): (retries: number) => number {
  return (retries) => {
    const ceiling = Math.min(max, 50 * 2 ** Math.min(retries, 20));
    return Math.round(ceiling * (0.5 + Math.random() / 2));
  };
}

/** The major version in `INFO server`'s `redis_version:7.0.15`. */
function majorVersion(info: string): number {
  const match = /redis_version:(\d+)/.exec(info);
  return match ? Number(match[1]) : 0;
}

class RedisBus implements RedisClusterBus, BusCore {
  readonly nodeId: string;
  private readonly options: Resolved;
  private readonly logger: Logger;
  private readonly publisher: Client;
  readonly registry: RedisRegistry;
  private subscriber: Client | undefined;
  private sharded = false;
  /** The one start (a second `start()` waits for the same). */
  private starting: Promise<void> | undefined;
  private closed = false;
  private readonly handlers = new Map<string, (envelope: Envelope) => void>();
  private readonly links = new Map<string, EndpointLink>();
  private readonly presences = new Map<string, PresenceLink>();
  private readonly reconnectListeners: Array<() => void> = [];
  /** Resolved once the first connect has subscribed every channel listened to before it. */
  private readonly firstSubscribed: Promise<void>;
  private resolveFirstSubscribed: () => void = () => undefined;
  /** An outage is under way: the reconnect listeners are called once both connections are back. */
  private outage = false;
  private readonly sequencer = new Sequencer();
  private readonly gaps = new GapDetector();
  private readonly counters = new BusCounters();
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Publishes dropped since Redis was lost (undefined while it is there). */
  private droppedInOutage: number | undefined;

  constructor(options: RedisBusOptions) {
    this.options = resolveBusOptions(options);
    this.nodeId = this.options.nodeId;
    this.logger = this.options.logger;
    // No offline queue for publishes: while Redis is away they fail at once and are counted as
    // dropped, instead of piling up in memory and arriving late and out of step with local delivery.
    const createClient = loadCreateClient();
    this.publisher = createClient({
      url: this.options.url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: backoff(this.options.reconnectMaxDelay) },
    });
    this.registry = new RedisRegistry(this.publisher, this.nodeId, this.options.registryTtl, this.logger);
    this.watch(this.publisher, 'publisher');
    this.firstSubscribed = new Promise((resolve) => (this.resolveFirstSubscribed = resolve));
  }

  get connected(): boolean {
    return this.publisher.isReady;
  }

  join(member: ClusterMember): EndpointLink {
    if (this.closed) throw invalid('the bus is closed');
    if (this.links.has(member.prefix)) throw invalid(`an endpoint with prefix ${member.prefix || '/'} already joined`);
    const link = new EndpointLink(this, member);
    this.links.set(member.prefix, link);
    // Joined after start(): the node's registry entry is written now, not at the next refresh.
    if (this.subscriber) this.registry.rewrite(link);
    return link;
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(invalid('the bus is closed'));
    // A start that fails lets waiting subscriptions go (they are retried with the connection).
    return (this.starting ??= this.connect().finally(() => this.resolveFirstSubscribed()));
  }

  private async connect(): Promise<void> {
    await this.publisher.connect();
    this.sharded = this.options.sharded ?? majorVersion(await this.publisher.info('server')) >= 7;
    // The listener keeps its offline queue: (un)subscribes made while Redis is away go out on
    // reconnect, after node-redis's own resubscribe of every channel it still has a listener for.
    const subscriber = (this.subscriber = this.publisher.duplicate({ disableOfflineQueue: false }));
    this.watch(subscriber, 'subscriber');
    await subscriber.connect();
    await Promise.all([...this.handlers.keys()].map((channel) => this.subscribeNow(channel)));
    this.resolveFirstSubscribed();
    this.registerAll();
    this.refreshTimer = setInterval(() => this.registerAll(), Math.floor(this.options.registryTtl / 3)).unref();
  }

  private watch(client: Client, role: string): void {
    client.on('error', (error: Error) => {
      this.outage = true;
      if (role === 'publisher' && this.droppedInOutage === undefined) {
        this.droppedInOutage = 0;
        this.logger.warn({ err: error, nodeId: this.nodeId }, 'cluster bus: Redis lost; serving local sessions only');
      } else this.logger.debug({ err: error, role }, 'cluster bus: Redis connection error');
    });
    client.on('reconnecting', () => this.counters.reconnectAttempts++);
    client.on('ready', () => {
      this.backFromOutage();
      if (role !== 'publisher' || this.droppedInOutage === undefined) return;
      this.logger.warn(
        { nodeId: this.nodeId, dropped: this.droppedInOutage },
        'cluster bus: Redis back; publishes made meanwhile were dropped',
      );
      this.droppedInOutage = undefined;
      this.counters.reconnects++;
      // A restarted Redis has forgotten the registry: write it again.
      this.registerAll();
    });
  }

  /** Both connections are back after an outage: the modules may catch up (queues look for what came meanwhile). */
  private backFromOutage(): void {
    if (!this.outage || !this.publisher.isReady || !this.subscriber?.isReady) return;
    this.outage = false;
    for (const listener of this.reconnectListeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error({ err: error }, 'cluster bus: a reconnect listener failed');
      }
    }
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  /** Resolves once Redis has the subscription (before `start()`: once the first connect has made it). */
  listen(channel: string, handler: (envelope: Envelope) => void): Promise<void> {
    if (this.handlers.has(channel)) return Promise.resolve();
    this.handlers.set(channel, handler);
    if (!this.subscriber) return this.firstSubscribed;
    const subscribed = this.subscribeNow(channel);
    // Redis away: the subscription goes out on reconnect; nobody waits for it meanwhile (a SUBSCRIBE's
    // RECEIPT, and the session's later frames behind it, would otherwise wait for the outage to end).
    return this.subscriber.isReady ? subscribed : Promise.resolve();
  }

  unlisten(channel: string): void {
    if (!this.handlers.delete(channel)) return;
    this.gaps.forget(channel);
    const subscriber = this.subscriber;
    if (!subscriber || this.closed) return;
    const done = this.sharded
      ? subscriber.sUnsubscribe(channel, this.onMessage)
      : subscriber.unsubscribe(channel, this.onMessage);
    done.catch((error: unknown) => this.logger.debug({ err: error, channel }, 'cluster bus: unsubscribe failed'));
  }

  subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    checkOwnChannel(channel);
    if (this.handlers.has(channel)) throw invalid(`channel ${channel} already has a handler on this node`);
    return this.listen(channel, ({ message }) => handler(message));
  }

  unsubscribe(channel: string): void {
    checkOwnChannel(channel);
    this.unlisten(channel);
  }

  publishTo(channel: string, message: string): void {
    checkOwnChannel(channel);
    this.publish(channel, '', message);
  }

  private async subscribeNow(channel: string): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber) return;
    try {
      if (this.sharded) await subscriber.sSubscribe(channel, this.onMessage);
      else await subscriber.subscribe(channel, this.onMessage);
    } catch (error) {
      // Kept by node-redis for its resubscribe unless Redis refused it outright.
      this.logger.warn({ err: error, channel }, 'cluster bus: subscribe failed');
    }
  }

  private readonly onMessage = (raw: string, channel: string): void => {
    const envelope = decodeEnvelope(raw);
    if (!envelope) {
      this.logger.warn({ channel }, 'cluster bus: not a bus message, ignored');
      return;
    }
    if (envelope.origin === this.nodeId) return;
    const handler = this.handlers.get(channel);
    if (!handler) return;
    this.counters.received++;
    const missed = this.gaps.check(channel, envelope.origin, envelope.seq);
    if (missed > 0) {
      this.counters.gaps += missed;
      this.logger.warn({ channel, origin: envelope.origin, missed }, 'cluster bus: messages missed (sequence gap)');
    }
    handler(envelope);
  };

  publish(channel: string, target: string, message: string): void {
    // Numbered even when dropped: the receivers see the gap.
    const raw = encodeEnvelope(this.nodeId, this.sequencer.take(channel), target, message);
    if (!this.publisher.isReady) {
      this.dropped(channel, undefined);
      return;
    }
    const sent = this.sharded ? this.publisher.sPublish(channel, raw) : this.publisher.publish(channel, raw);
    sent.then(
      () => this.counters.published++,
      (error: unknown) => this.dropped(channel, error),
    );
  }

  private dropped(channel: string, error: unknown): void {
    this.counters.dropped++;
    if (this.droppedInOutage !== undefined) {
      // One warning per outage (when it starts and when it ends, with the count), each drop at debug.
      this.droppedInOutage++;
      this.logger.debug({ channel }, 'cluster bus: publish dropped, Redis unavailable');
    } else this.logger.warn({ err: error, channel }, 'cluster bus: publish dropped');
  }

  forgetLink(prefix: string): void {
    this.links.delete(prefix);
  }

  queueStore(namespace: string): ClusterQueueStore {
    checkNamespace(namespace);
    return new RedisQueueStore(this.publisher, namespace);
  }

  presence(namespace: string): ClusterPresence {
    checkNamespace(namespace);
    if (this.closed) throw invalid('the bus is closed');
    if (this.presences.has(namespace)) throw invalid(`presence ${namespace} is already kept on this bus`);
    const presence = new PresenceLink(namespace, this.registry, () => this.presences.delete(namespace));
    this.presences.set(namespace, presence);
    // Made after start(): the node's entry is written now, not at the next refresh.
    if (this.subscriber) this.registry.rewrite(presence);
    return presence;
  }

  private registerAll(): void {
    // A withdrawn endpoint (closing) is not written back.
    for (const link of this.links.values()) if (link.registered) this.registry.rewrite(link);
    for (const presence of this.presences.values()) this.registry.rewrite(presence);
  }

  private link(prefix: string): EndpointLink {
    const link = this.links.get(prefix === '/' ? '' : prefix);
    if (!link) throw invalid(`no endpoint with prefix ${prefix} joined this bus`);
    return link;
  }

  async sendTo(prefix: string, sessionId: string, message: string): Promise<boolean> {
    return this.link(prefix).sendTo(sessionId, message);
  }

  async users(prefix: string): Promise<string[]> {
    return this.link(prefix).users();
  }

  async sessionsOf(prefix: string, user: string): Promise<ClusterSession[]> {
    return this.link(prefix).sessionsOf(user);
  }

  stats(): ClusterBusStats {
    return this.counters.snapshot(this.nodeId, this.sharded, this.publisher.isReady, this.handlers.size);
  }

  channels(): string[] {
    return [...this.handlers.keys()];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const link of [...this.links.values()]) await link.leave();
    for (const presence of [...this.presences.values()]) await presence.leave();
    this.closed = true;
    clearInterval(this.refreshTimer);
    const clients = this.subscriber ? [this.publisher, this.subscriber] : [this.publisher];
    await Promise.all(clients.map(closeClient));
  }
}

/** A module's channel: a string, and not one of the endpoints' (`sockjs:…`). */
function checkOwnChannel(channel: string): void {
  if (typeof channel !== 'string' || channel === '' || channel.startsWith('sockjs:')) {
    throw invalid(`channel must be a non-empty string not starting with "sockjs:", got ${JSON.stringify(channel)}`);
  }
}

/** A module's key namespace: letters, digits and `-_.:`, not the endpoints' `sockjs:`. */
function checkNamespace(namespace: string): void {
  if (typeof namespace !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(namespace) || namespace.startsWith('sockjs')) {
    throw invalid(
      `namespace must be 1 to 64 letters, digits, "-_.:", not starting with "sockjs", got ${JSON.stringify(namespace)}`,
    );
  }
}

/** Waits for what is in flight when Redis is there; otherwise gives up on it at once. */
async function closeClient(client: Client): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    client.destroy();
    return;
  }
  await client.close().catch(() => client.destroy());
}

/**
 * A cluster bus on Redis for the endpoints of this node: pass it to `createEndpoint({ cluster })`
 * and call `start()`. Throws `ERR_INVALID_OPTION` on bad options.
 */
export function createRedisBus(options: RedisBusOptions): RedisClusterBus {
  return new RedisBus(options);
}
