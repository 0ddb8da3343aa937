import type { ClusterChannels } from '../../cluster/types';
import type { Logger } from '../../handler';
import type { BrokerStats, MessageBroker, Subscriber } from '../broker/broker';
import { checkDestination, isDestinationPattern, isUnderPrefix } from '../broker/destination-pattern';
import type { MemoryBroker } from '../broker/memory-broker';
import { OutboundMessage } from '../message';
import { decodeWireMessage, encodeWireMessage, stompChannels } from './wire';

/** Counts per channel: the bus listens to a channel while its count is above 0. */
class ChannelCounts {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly bus: ClusterChannels,
    private readonly handler: (raw: string) => void,
  ) {}

  add(channel: string): void {
    const count = this.counts.get(channel) ?? 0;
    if (count === 0) this.bus.subscribe(channel, this.handler);
    this.counts.set(channel, count + 1);
  }

  remove(channel: string): void {
    const count = this.counts.get(channel);
    if (count === undefined) return;
    if (count > 1) {
      this.counts.set(channel, count - 1);
      return;
    }
    this.counts.delete(channel);
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
 * never published again. Queues stay on the publishing node.
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

  subscribe(subscriber: Subscriber): void {
    const destination = subscriber.destination;
    const prefix = this.topicPrefixOf(destination);
    const pattern = prefix !== undefined && isDestinationPattern(destination);
    const broker = pattern ? this.patterns : this.names;
    broker.subscribe(subscriber);
    if (prefix === undefined) return;
    const counts = pattern ? this.prefixChannels : this.nameChannels;
    const channel = pattern ? stompChannels.topicPrefix(prefix) : stompChannels.topic(destination);
    try {
      counts.add(channel);
    } catch (error) {
      // The bus refused the channel (another STOMP server on this bus has it): the SUBSCRIBE fails whole.
      broker.unsubscribe(subscriber);
      throw error;
    }
    this.topics.set(subscriber, { broker, counts, channel });
  }

  unsubscribe(subscriber: Subscriber): void {
    const topic = this.topics.get(subscriber);
    if (topic === undefined) {
      this.names.unsubscribe(subscriber);
      return;
    }
    this.topics.delete(subscriber);
    topic.broker.unsubscribe(subscriber);
    topic.counts.remove(topic.channel);
  }

  /** Local subscribers first (the count returned is theirs), then the other nodes through the bus. */
  publish(message: OutboundMessage): number {
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
    this.names.resume(subscriber);
  }

  stats(): BrokerStats {
    const names = this.names.stats();
    const patterns = this.patterns.stats();
    // `published` is the names broker's: a local topic message goes into both, and would count twice.
    return {
      topicSubscriptions: names.topicSubscriptions + patterns.topicSubscriptions,
      queueSubscriptions: names.queueSubscriptions,
      published: names.published,
      delivered: names.delivered + patterns.delivered,
      redelivered: names.redelivered,
      queued: names.queued,
      queueOverflows: names.queueOverflows,
    };
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
