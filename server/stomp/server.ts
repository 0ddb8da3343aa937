import { randomBytes } from 'node:crypto';
import { SockJsError, type StompFrame, type StompHeader } from '../../protocol';
import type { ClusterSession } from '../cluster/registry';
import type { Logger, SockJsHandler, SockJsSession } from '../handler';
import { stderrLogger } from '../options';
import { AppRouter, type ReplySender } from './app/app-router';
import type { BrokerStats, MessageBroker } from './broker/broker';
import { MemoryBroker } from './broker/memory-broker';
import { ClusterBroker } from './cluster/cluster-broker';
import { ClusterQueues } from './cluster/cluster-queues';
import { ClusterUserRegistry } from './cluster/cluster-users';
import { STOMP_NAMESPACE } from './cluster/wire';
import type { ConnectionHost } from './connection/host';
import { StompConnection } from './connection/stomp-connection';
import type { Subscription } from './connection/subscription';
import { StompEventBus } from './events';
import { OutboundMessage } from './message';
import { resolveStompOptions, type ResolvedStompOptions, type StompServerOptions } from './options';
import { toBody } from './payload';
import { StompCounters } from './stats';
import type { MessagingTemplate } from './template';
import type {
  MappingOptions,
  MessageExceptionHandler,
  MessageHandler,
  StompEventListener,
  StompEventName,
  StompSession,
  StompStats,
} from './types';
import { UserRegistry } from './user/user-registry';

/** The websocket sub-protocols of each STOMP version, as clients offer them. */
const SUBPROTOCOLS = { '1.2': 'v12.stomp', '1.1': 'v11.stomp', '1.0': 'v10.stomp' } as const;

/** Spring's `@EnableWebSocketMessageBroker` in one object: mount `handler` on an endpoint. */
export interface StompServer {
  /** The endpoint handler: `createEndpoint({ prefix, handler: stomp.handler, subprotocols: stomp.subprotocols })`. */
  readonly handler: SockJsHandler;
  /** `v12.stomp`, `v11.stomp`, `v10.stomp` (for the versions offered), for the endpoint's `subprotocols`. */
  readonly subprotocols: readonly string[];
  /** Sends from anywhere (`SimpMessagingTemplate`). */
  readonly template: MessagingTemplate;
  /** The broker behind the broker prefixes. */
  readonly broker: MessageBroker;
  /** STOMP sessions by id (CONNECTED ones and those still awaiting CONNECT). */
  readonly sessions: ReadonlyMap<string, StompSession>;
  /** `@MessageMapping(pattern)` under the application prefixes (`/room.{id}` for `/app/room.42`). */
  messageMapping<Payload = unknown>(pattern: string, handler: MessageHandler<Payload>, options?: MappingOptions): this;
  /** `@SubscribeMapping(pattern)`: the return value goes to the subscriber alone, once, as it subscribes. */
  subscribeMapping<Payload = unknown>(pattern: string, handler: MessageHandler<Payload>): this;
  /**
   * `@MessageExceptionHandler`: a mapping handler's error is given to `handler`, whose return value
   * goes to the sender at `destination` under the user prefix (default `/queue/errors`, the sending
   * session only unless `broadcast`). Without one, a handler's error is an ERROR frame.
   */
  messageExceptionHandler(
    handler: MessageExceptionHandler,
    options?: { destination?: string; broadcast?: boolean },
  ): this;
  /** Session events (`connect`, `connected`, `subscribe`, `unsubscribe`, `disconnect`); returns the remover. */
  on<Name extends StompEventName>(name: Name, listener: StompEventListener<Name>): () => void;
  /** Users with a connected session now. */
  users(): string[];
  /** The connected sessions of one user. */
  sessionsOf(user: string): StompSession[];
  /**
   * Users with a connected session on any node of the `cluster` (this node's alone without one),
   * sorted; from the cluster's registry, where a node that died drops out after the bus's
   * `registryTtl`. Rejects while Redis is away.
   */
  clusterUsers(): Promise<string[]>;
  /** The connected sessions of `user` on every node: node id and STOMP session id (node id '' without a cluster). */
  clusterSessionsOf(user: string): Promise<ClusterSession[]>;
  stats(): StompStats & { readonly broker: BrokerStats };
}

class Server implements StompServer, ConnectionHost, ReplySender, MessagingTemplate {
  readonly options: ResolvedStompOptions;
  readonly broker: MessageBroker;
  readonly logger: Logger;
  readonly counters = new StompCounters();
  readonly events: StompEventBus;
  readonly app: AppRouter;
  readonly userRoutes: UserRegistry | undefined;
  readonly handler: SockJsHandler;
  readonly subprotocols: readonly string[];
  readonly template: MessagingTemplate = this;
  private readonly connections = new WeakMap<SockJsSession, StompConnection>();
  private readonly live = new Map<string, StompConnection>();
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private messageSequence = 0;
  private sessionSequence = 0;

  constructor(options: StompServerOptions) {
    this.options = resolveStompOptions(options);
    const { topicPrefixes, applicationPrefixes, userPrefix, versions } = this.options;
    const logger = (this.logger = this.options.logger ?? stderrLogger);
    this.events = new StompEventBus(logger);
    // With another broker (the relay reaches every node by itself) a cluster bus carries the user destinations only.
    this.broker = this.options.broker ?? this.localBroker(logger);
    this.userRoutes = userPrefix === false ? undefined : this.userRegistryFor(userPrefix, logger);
    this.app = new AppRouter(applicationPrefixes, topicPrefixes[0], this.userRoutes !== undefined, this, this.logger);
    this.subprotocols = versions.map((version) => SUBPROTOCOLS[version]);
    this.handler = this.createHandler();
  }

  /** The in-memory broker, across the cluster with the `cluster` option. */
  private localBroker(logger: Logger): MessageBroker {
    const { cluster, topicPrefixes } = this.options;
    if (!cluster) return this.memoryBroker(logger);
    const nextId = (): string => this.nextMessageId();
    const { queuePrefixes, maxQueuedMessages, maxQueuedBytes, maxBrokerQueuedBytes, maxQueues } = this.options;
    const bounds = { maxQueuedMessages, maxQueuedBytes, maxBrokerQueuedBytes, maxQueues };
    const store = cluster.queueStore(STOMP_NAMESPACE);
    const queues = new ClusterQueues(cluster, store, bounds, this.options.clusterQueuePrefetch, nextId, logger);
    return new ClusterBroker(
      this.memoryBroker(logger),
      this.memoryBroker(logger),
      topicPrefixes,
      queuePrefixes,
      queues,
      cluster,
      nextId,
      logger,
    );
  }

  private userRegistryFor(userPrefix: string, logger: Logger): UserRegistry {
    const { cluster } = this.options;
    if (!cluster) return new UserRegistry(userPrefix);
    return new ClusterUserRegistry(userPrefix, cluster, () => this.nextMessageId(), logger);
  }

  private memoryBroker(logger: Logger): MemoryBroker {
    const { topicPrefixes, queuePrefixes, maxQueuedMessages, maxQueues, maxQueuedBytes, maxBrokerQueuedBytes } =
      this.options;
    // Drops the sender cannot be told of (a publish from inside another delivery) are logged.
    const onDrop = (message: OutboundMessage, reason: string): void =>
      logger.warn({ destination: message.destination, messageId: message.messageId, reason }, 'STOMP message dropped');
    return new MemoryBroker({
      topicPrefixes,
      queuePrefixes,
      maxQueuedMessages,
      maxQueues,
      maxQueuedBytes,
      maxBrokerQueuedBytes,
      onDrop,
    });
  }

  get sessions(): ReadonlyMap<string, StompSession> {
    return this.live;
  }

  // ---- the endpoint handler ----

  private createHandler(): SockJsHandler {
    const of = (session: SockJsSession): StompConnection | undefined => this.connections.get(session);
    return {
      onOpen: (session) => {
        const connection = new StompConnection(session, this);
        this.connections.set(session, connection);
        this.live.set(connection.id, connection);
      },
      onMessage: (session, message) => of(session)?.receive(message),
      onBinaryMessage: (session, data) => of(session)?.receiveBinary(data),
      onDrain: (session) => of(session)?.drained(),
      onClose: (session, info) => {
        const connection = of(session);
        if (!connection) return;
        this.connections.delete(session);
        this.live.delete(connection.id);
        connection.closed(info);
      },
    };
  }

  // ---- ConnectionHost ----

  nextMessageId(): string {
    return `${this.idPrefix}-${++this.messageSequence}`;
  }

  nextSessionId(): string {
    return `${this.idPrefix}-s${++this.sessionSequence}`;
  }

  outboundMessage(destination: string, body: string, contentType: string, frame?: StompFrame): OutboundMessage {
    return new OutboundMessage(destination, this.nextMessageId(), body, contentType, frame?.headers ?? []);
  }

  // ---- mappings, events, queries ----

  messageMapping<Payload>(pattern: string, handler: MessageHandler<Payload>, options?: MappingOptions): this {
    this.app.addMessageMapping(pattern, handler as MessageHandler, options);
    return this;
  }

  subscribeMapping<Payload>(pattern: string, handler: MessageHandler<Payload>): this {
    this.app.addSubscribeMapping(pattern, handler as MessageHandler);
    return this;
  }

  messageExceptionHandler(
    handler: MessageExceptionHandler,
    options: { destination?: string; broadcast?: boolean } = {},
  ): this {
    this.app.setExceptionHandler(handler, options.destination, options.broadcast);
    return this;
  }

  on<Name extends StompEventName>(name: Name, listener: StompEventListener<Name>): () => void {
    return this.events.on(name, listener);
  }

  users(): string[] {
    return this.userRegistry('users()').users();
  }

  sessionsOf(user: string): StompSession[] {
    return this.userRegistry('sessionsOf()').sessionsOf(user);
  }

  async clusterUsers(): Promise<string[]> {
    const registry = this.userRegistry('clusterUsers()');
    return registry instanceof ClusterUserRegistry ? registry.clusterUsers() : registry.users().sort();
  }

  async clusterSessionsOf(user: string): Promise<ClusterSession[]> {
    const registry = this.userRegistry('clusterSessionsOf()');
    if (registry instanceof ClusterUserRegistry) return registry.clusterSessionsOf(user);
    return registry.sessionsOf(user).map((session) => ({ nodeId: '', sessionId: session.id }));
  }

  stats(): StompStats & { readonly broker: BrokerStats } {
    return { ...this.counters.snapshot(), broker: this.broker.stats() };
  }

  // ---- MessagingTemplate ----

  convertAndSend(destination: string, payload: unknown, headers?: Readonly<Record<string, string>>): number {
    const { body, contentType, extra } = converted(payload, headers);
    if (this.userRoutes?.handles(destination)) {
      return this.userRoutes.send(destination, (resolved) => this.messageWith(resolved, body, contentType, extra));
    }
    if (!this.broker.handles(destination)) {
      throw new SockJsError('ERR_STOMP_DESTINATION', `${destination} is not a broker or user destination`);
    }
    return this.broker.publish(this.messageWith(destination, body, contentType, extra));
  }

  convertAndSendToUser(
    user: string,
    destination: string,
    payload: unknown,
    headers?: Readonly<Record<string, string>>,
  ): number {
    const users = this.userRegistry('convertAndSendToUser()');
    checkUserDestination(destination);
    const { body, contentType, extra } = converted(payload, headers);
    return users.sendToUser(user, destination, (resolved) => this.messageWith(resolved, body, contentType, extra));
  }

  // ---- ReplySender ----

  toDestination(destination: string, payload: unknown): void {
    this.convertAndSend(destination, payload);
  }

  toUser(session: StompSession, destination: string, payload: unknown, broadcast: boolean): void {
    const users = this.userRegistry('sendToUser');
    checkUserDestination(destination);
    const { body, contentType } = toBody(payload);
    const make = (resolved: string): OutboundMessage => this.messageWith(resolved, body, contentType, []);
    if (broadcast && session.user) users.sendToUser(session.user.name, destination, make);
    else users.sendToSession(session.id, destination, make);
  }

  toSubscription(subscription: Subscription, destination: string, payload: unknown): void {
    const { body, contentType } = toBody(payload);
    subscription.deliver(this.messageWith(destination, body, contentType, []));
  }

  private messageWith(
    destination: string,
    body: string,
    contentType: string,
    headers: readonly StompHeader[],
  ): OutboundMessage {
    return new OutboundMessage(destination, this.nextMessageId(), body, contentType, headers);
  }

  private userRegistry(what: string): UserRegistry {
    if (!this.userRoutes)
      throw new SockJsError('ERR_STOMP_DESTINATION', `${what}: user destinations are off (userPrefix: false)`);
    return this.userRoutes;
  }
}

function checkUserDestination(destination: string): void {
  if (typeof destination !== 'string' || !destination.startsWith('/') || destination.length < 2) {
    throw new SockJsError(
      'ERR_STOMP_DESTINATION',
      `user destination ${JSON.stringify(destination)} must start with "/"`,
    );
  }
}

function converted(
  payload: unknown,
  headers: Readonly<Record<string, string>> | undefined,
): { body: string; contentType: string; extra: StompHeader[] } {
  const given = headers?.['content-type'];
  if (given !== undefined && typeof payload !== 'string') {
    throw new SockJsError('ERR_STOMP_MALFORMED', 'with a content-type header, the payload must be a string');
  }
  const { body, contentType } = toBody(payload, given);
  const extra = Object.entries(headers ?? {}).filter(([name]) => name !== 'content-type');
  return { body, contentType, extra };
}

/** A STOMP server: its `handler` goes on one or more endpoints (SockJS and plain websocket alike). */
export function createStompServer(options: StompServerOptions = {}): StompServer {
  return new Server(options);
}
