import { SockJsError } from '../../../protocol';
import type { ClusterChannels } from '../../cluster/types';
import type { Logger } from '../../handler';
import type { BrokerStats, MessageBroker, Subscriber } from '../broker/broker';
import { checkDestination, isDestinationPattern, isUnderPrefix, quoteDestination } from '../broker/destination-pattern';
import type { MemoryBroker } from '../broker/memory-broker';
import { OutboundMessage } from '../message';
import type { ClusterQueues } from './cluster-queues';
import { decodeWireMessage, encodeWireMessage, stompChannels } from './wire';

/**
 * Counts per channel: the bus listens to a channel while its count is above 0. `add` resolves
 * once Redis has the channel (at once when it had it already).
 */
class ChannelCounts {
  private readonly counts = new Map<string, number>();
  private readonly listening = new Map<string, Promise<void>>();

  constructor(
    private readonly bus: ClusterChannels,
    private readonly handler: (raw: string) => void,
  ) {}

  add(channel: string): Promise<void> {
    const count = this.counts.get(channel) ?? 0;
    if (count === 0) this.listening.set(channel, this.bus.subscribe(channel, this.handler));
    this.counts.set(channel, count + 1);
    return this.listening.get(channel) ?? Promise.resolve();
  }

  remove(channel: string): void {
    const count = this.counts.get(channel);
    if (count === undefined) return;
    if (count > 1) {
      this.counts.set(channel, count - 1);
      return;
    }
    this.counts.delete(channel);
    this.listening.delete(channel);
    this.bus.unsubscribe(channel);
  }
}

/**
 * The in-memory broker's topics across the nodes of a cluster bus. A topic message is delivered
 * locally, then published twice on the bus: on its name's channel and on its topic prefix's. Exact
 * subscriptions live in one local broker (`names`, with the queues), pattern ones in another
 * (`patterns`); a node listens to a name's channel while `names` has a subscriber of that name, and
 * to a prefix's channel while `patterns` has a pattern under it. A message from the name channel
 * goes into `names` only and one from the prefix channel into `patterns` only, so each subscriber
 * gets it once whichever subscriptions come and go (no switching between channels, no window where
 * a message is lost or doubled); the price is a second Redis publish per topic message, and a node
 * with a pattern subscription receives all of that prefix's traffic. Messages from other nodes are
 * never published again. Queues are kept in Redis (ClusterQueues): each message reaches one
 * consumer of the cluster.
 */
export class ClusterBroker implements MessageBroker {
  /** Topic subscribers: which local broker holds each, and the channel it keeps listened to. */
  private readonly topics = new Map<Subscriber, { broker: MemoryBroker; counts: ChannelCounts; channel: string }>();
  private readonly nameChannels: ChannelCounts;
  private readonly prefixChannels: ChannelCounts;

  constructor(
    private readonly names: MemoryBroker,
    private readonly patterns: MemoryBroker,
    private readonly topicPrefixes: readonly string[],
    private readonly queuePrefixes: readonly string[],
    private readonly queues: ClusterQueues,
    private readonly bus: ClusterChannels,
    private readonly nextMessageId: () => string,
    private readonly logger: Logger,
  ) {
    this.nameChannels = new ChannelCounts(bus, (raw) => this.received(raw, this.names));
    this.prefixChannels = new ChannelCounts(bus, (raw) => this.received(raw, this.patterns));
  }

  handles(destination: string): boolean {
    return this.names.handles(destination);
  }

  /** Resolves once the bus listens to what the subscription needs (the SUBSCRIBE's RECEIPT waits for it). */
  subscribe(subscriber: Subscriber): Promise<void> | undefined {
    const destination = subscriber.destination;
    if (this.isQueue(destination)) {
      checkQueueName(destination);
      return this.queues.subscribe(subscriber);
    }
    const prefix = this.topicPrefixOf(destination);
    const pattern = prefix !== undefined && isDestinationPattern(destination);
    const broker = pattern ? this.patterns : this.names;
    broker.subscribe(subscriber);
    if (prefix === undefined) return undefined;
    const counts = pattern ? this.prefixChannels : this.nameChannels;
    const channel = pattern ? stompChannels.topicPrefix(prefix) : stompChannels.topic(destination);
    let listening: Promise<void>;
    try {
      listening = counts.add(channel);
    } catch (error) {
      // The bus refused the channel (another STOMP server on this bus has it): the SUBSCRIBE fails whole.
      broker.unsubscribe(subscriber);
      throw error;
    }
    this.topics.set(subscriber, { broker, counts, channel });
    return listening;
  }

  unsubscribe(subscriber: Subscriber): void {
    const topic = this.topics.get(subscriber);
    if (topic === undefined) {
      if (this.isQueue(subscriber.destination)) this.queues.unsubscribe(subscriber);
      else this.names.unsubscribe(subscriber);
      return;
    }
    this.topics.delete(subscriber);
    topic.broker.unsubscribe(subscriber);
    topic.counts.remove(topic.channel);
  }

  /**
   * A topic message: local subscribers first (the count returned is theirs), then the other nodes
   * through the bus. A queue message goes to Redis: its refusal (a bound, Redis away) comes later,
   * and is logged as a drop (publishConfirmed gives it to the sender instead).
   */
  publish(message: OutboundMessage): number {
    if (this.isQueue(message.destination)) {
      checkQueueName(message.destination);
      this.queues.publish(message).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn(
          { destination: message.destination, messageId: message.messageId, reason },
          'STOMP message dropped',
        );
      });
      return 0;
    }
    return this.publishToTopic(message);
  }

  /** As publish; a queue message resolves once Redis has it, and rejects with why it does not (ERR_STOMP_LIMIT, ERR_STOMP_BROKER_UNAVAILABLE). */
  publishConfirmed(message: OutboundMessage): number | Promise<number> {
    if (!this.isQueue(message.destination)) return this.publishToTopic(message);
    checkQueueName(message.destination);
    return this.queues.publish(message);
  }

  private publishToTopic(message: OutboundMessage): number {
    const destination = message.destination;
    const prefix = this.topicPrefixOf(destination);
    if (prefix === undefined || isDestinationPattern(destination)) return this.names.publish(message);
    checkDestination(destination);
    let reached = 0;
    // A subscriber's failing deliver (rethrown by the local broker) neither stops the other deliveries nor the bus.
    try {
      reached += this.names.publish(message);
    } finally {
      try {
        reached += this.patterns.publish(message);
      } finally {
        const raw = encodeWireMessage(destination, message);
        this.bus.publishTo(stompChannels.topic(destination), raw);
        this.bus.publishTo(stompChannels.topicPrefix(prefix), raw);
      }
    }
    return reached;
  }

  resume(subscriber: Subscriber): void {
    if (this.isQueue(subscriber.destination)) this.queues.resume(subscriber);
    else this.names.resume(subscriber);
  }

  stats(): BrokerStats {
    const names = this.names.stats();
    const patterns = this.patterns.stats();
    const queues = this.queues.counters;
    // `published` is the names broker's: a local topic message goes into both, and would count twice.
    return {
      topicSubscriptions: names.topicSubscriptions + patterns.topicSubscriptions,
      queueSubscriptions: queues.queueSubscriptions,
      published: names.published + queues.published,
      delivered: names.delivered + patterns.delivered + queues.delivered,
      redelivered: queues.redelivered,
      queued: queues.queued,
      queueOverflows: queues.queueOverflows,
    };
  }

  private isQueue(destination: string): boolean {
    return typeof destination === 'string' && this.queuePrefixes.some((prefix) => isUnderPrefix(destination, prefix));
  }

  private topicPrefixOf(destination: string): string | undefined {
    if (typeof destination !== 'string') return undefined;
    return this.topicPrefixes.find((prefix) => isUnderPrefix(destination, prefix));
  }

  /** A message from another node: into one local broker only, never back onto the bus. */
  private received(raw: string, broker: MemoryBroker): void {
    const wire = decodeWireMessage(raw);
    if (!wire) {
      this.logger.warn({}, 'STOMP cluster: not a STOMP topic message, ignored');
      return;
    }
    const { destination, body, contentType, headers } = wire;
    try {
      broker.publish(new OutboundMessage(destination, this.nextMessageId(), body, contentType, headers));
    } catch (error) {
      this.logger.warn({ err: error, destination }, 'STOMP cluster: a topic message from another node failed');
    }
  }
}

/** A queue is one exact, well-formed name (as the in-memory broker requires); throws ERR_STOMP_DESTINATION. */
function checkQueueName(destination: string): void {
  checkDestination(destination);
  if (isDestinationPattern(destination)) {
    throw new SockJsError(
      'ERR_STOMP_DESTINATION',
      `queue destinations are exact names, and ${quoteDestination(destination)} is a pattern`,
    );
  }
}
