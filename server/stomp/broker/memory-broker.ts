import { SockJsError } from '../../../protocol';
import { OutboundMessage } from '../message';
import type { BrokerStats, MessageBroker, Settlement, Subscriber } from './broker';
import { BrokerQueue, type QueuedMessage } from './broker-queue';
import {
  checkDestination,
  DestinationPattern,
  isDestinationPattern,
  isUnderPrefix,
  quoteDestination,
  splitDestination,
} from './destination-pattern';
import {
  type MemoryBrokerOptions,
  resolveMemoryBrokerOptions,
  type ResolvedMemoryBrokerOptions,
} from './memory-broker-options';
import { Trampoline } from './trampoline';

export { MEMORY_BROKER_DEFAULTS, type MemoryBrokerOptions } from './memory-broker-options';

/** BrokerStats and the sizes of the broker's tables: all three are 0 once every subscriber has left. */
export interface MemoryBrokerStats extends BrokerStats {
  /** Exact topic names with a subscriber. */
  readonly topicNames: number;
  /** Topic pattern subscriptions. */
  readonly topicPatterns: number;
  /** Queues kept: with a consumer or a waiting message. */
  readonly queues: number;
}

type DestinationKind = 'topic' | 'queue';

/** One subscribe call; `active` goes false at unsubscribe, so work queued before it skips the subscriber. */
interface Registration {
  readonly subscriber: Subscriber;
  /** As it was at subscribe: the tables are keyed by it, whatever the subscriber's getter says later. */
  readonly destination: string;
  readonly kind: DestinationKind;
  readonly pattern: DestinationPattern | undefined;
  active: boolean;
}

/**
 * The in-memory broker (Spring's simple broker, with queues): topics fan each message out to every
 * matching subscriber; queues hand it to one ready consumer, round robin, and keep it while none is
 * ready. Per subscriber, messages arrive in publish order (a nacked queue message goes first).
 *
 * Work a subscriber's `deliver` causes by calling the broker back runs after that delivery, before
 * the outermost broker call returns (see Trampoline). An error thrown by `deliver` does not stop the
 * other deliveries; the outermost call rethrows it at the end, and a queue message whose delivery
 * threw counts as nacked.
 */
export class MemoryBroker implements MessageBroker {
  private readonly options: ResolvedMemoryBrokerOptions;
  private readonly registrations = new Map<Subscriber, Registration>();
  private readonly topicNames = new Map<string, Set<Registration>>();
  /** Pattern subscriptions, checked one by one per topic message (a Set keeps subscription order). */
  private readonly topicPatterns = new Set<Registration>();
  private readonly queues = new Map<string, BrokerQueue>();
  private readonly trampoline = new Trampoline();
  private sequence = 0;
  private topicSubscriptions = 0;
  private queueSubscriptions = 0;
  private published = 0;
  private delivered = 0;
  private redelivered = 0;
  private queued = 0;
  private queueOverflows = 0;

  constructor(options?: MemoryBrokerOptions) {
    this.options = resolveMemoryBrokerOptions(options);
  }

  handles(destination: string): boolean {
    return this.kindOf(destination) !== undefined;
  }

  subscribe(subscriber: Subscriber): void {
    if (this.registrations.has(subscriber)) {
      throw new SockJsError(
        'ERR_STOMP_SUBSCRIPTION',
        `subscription ${JSON.stringify(subscriber.subscriptionId)} is already registered`,
      );
    }
    const destination = subscriber.destination;
    const kind = this.checkedKind(destination);
    const pattern = isDestinationPattern(destination)
      ? DestinationPattern.compile(destination, this.options.maxDestinationLength)
      : undefined;
    if (pattern !== undefined && kind === 'queue') {
      throw new SockJsError(
        'ERR_STOMP_DESTINATION',
        `queue destinations are exact names, and ${quoteDestination(destination)} is a pattern`,
      );
    }
    const registration: Registration = { subscriber, destination, kind, pattern, active: true };
    this.registrations.set(subscriber, registration);
    if (kind === 'topic') this.addTopicSubscription(registration);
    else this.addConsumer(registration);
  }

  unsubscribe(subscriber: Subscriber): void {
    const registration = this.registrations.get(subscriber);
    if (registration === undefined) return;
    this.registrations.delete(subscriber);
    registration.active = false;
    if (registration.kind === 'topic') this.removeTopicSubscription(registration);
    else this.removeConsumer(registration);
  }

  /**
   * Returns how many subscribers the message went to. Called from inside a `deliver`, the message
   * goes once that delivery is done, and the count is what it will go to as things stand. A queue
   * message kept for later, and one dropped because its queue is full (counted in `queueOverflows`),
   * both return 0: the connection tells them apart by that stat, and reports the drop to its client.
   */
  publish(message: OutboundMessage): number {
    const destination = message.destination;
    const kind = this.checkedKind(destination);
    if (isDestinationPattern(destination)) {
      throw new SockJsError(
        'ERR_STOMP_DESTINATION',
        `${quoteDestination(destination)} is a pattern: messages go to a name`,
      );
    }
    this.published++;
    return kind === 'topic' ? this.publishToTopic(message) : this.publishToQueue(message);
  }

  resume(subscriber: Subscriber): void {
    const registration = this.registrations.get(subscriber);
    if (registration?.kind !== 'queue') return;
    const queue = this.queues.get(registration.destination);
    if (queue !== undefined) this.schedulePump(queue);
  }

  stats(): MemoryBrokerStats {
    return {
      topicSubscriptions: this.topicSubscriptions,
      queueSubscriptions: this.queueSubscriptions,
      published: this.published,
      delivered: this.delivered,
      redelivered: this.redelivered,
      queued: this.queued,
      queueOverflows: this.queueOverflows,
      topicNames: this.topicNames.size,
      topicPatterns: this.topicPatterns.size,
      queues: this.queues.size,
    };
  }

  private kindOf(destination: string): DestinationKind | undefined {
    if (typeof destination !== 'string') return undefined;
    if (this.options.topicPrefixes.some((prefix) => isUnderPrefix(destination, prefix))) return 'topic';
    if (this.options.queuePrefixes.some((prefix) => isUnderPrefix(destination, prefix))) return 'queue';
    return undefined;
  }

  /** The kind of a well-formed broker destination; throws ERR_STOMP_DESTINATION for any other. */
  private checkedKind(destination: string): DestinationKind {
    checkDestination(destination, this.options.maxDestinationLength);
    const kind = this.kindOf(destination);
    if (kind !== undefined) return kind;
    const prefixes = [...this.options.topicPrefixes, ...this.options.queuePrefixes].join(', ');
    throw new SockJsError(
      'ERR_STOMP_DESTINATION',
      `${quoteDestination(destination)} is under no broker prefix (${prefixes})`,
    );
  }

  // Topics

  private addTopicSubscription(registration: Registration): void {
    this.topicSubscriptions++;
    if (registration.pattern !== undefined) {
      this.topicPatterns.add(registration);
      return;
    }
    const name = registration.destination;
    let subscribers = this.topicNames.get(name);
    if (subscribers === undefined) this.topicNames.set(name, (subscribers = new Set()));
    subscribers.add(registration);
  }

  private removeTopicSubscription(registration: Registration): void {
    this.topicSubscriptions--;
    if (registration.pattern !== undefined) {
      this.topicPatterns.delete(registration);
      return;
    }
    const name = registration.destination;
    const subscribers = this.topicNames.get(name);
    subscribers?.delete(registration);
    if (subscribers?.size === 0) this.topicNames.delete(name);
  }

  /** The subscribers of a topic message now, names then patterns: later subscribe calls do not get it. */
  private topicTargets(destination: string): Registration[] {
    const targets = [...(this.topicNames.get(destination) ?? [])];
    if (this.topicPatterns.size === 0) return targets;
    const segments = splitDestination(destination);
    for (const registration of this.topicPatterns) {
      if (registration.pattern?.matches(segments)) targets.push(registration);
    }
    return targets;
  }

  private publishToTopic(message: OutboundMessage): number {
    const targets = this.topicTargets(message.destination);
    if (targets.length === 0) return 0;
    const nested = this.trampoline.busy;
    let handed = 0;
    this.trampoline.run(() => {
      for (const registration of targets) {
        // Unsubscribed by an earlier delivery of this very message: it no longer gets anything.
        if (!registration.active) continue;
        handed++;
        this.delivered++;
        this.trampoline.guard(() => registration.subscriber.deliver(message));
      }
    });
    return nested ? targets.length : handed;
  }

  // Queues

  private queueNamed(name: string): BrokerQueue {
    let queue = this.queues.get(name);
    if (queue === undefined) this.queues.set(name, (queue = new BrokerQueue(name)));
    return queue;
  }

  private forgetIfIdle(queue: BrokerQueue): void {
    if (queue.idle && this.queues.get(queue.name) === queue) this.queues.delete(queue.name);
  }

  private addConsumer(registration: Registration): void {
    this.queueSubscriptions++;
    const queue = this.queueNamed(registration.destination);
    queue.addConsumer(registration.subscriber);
    // Messages waiting for a consumer go to this one now.
    if (queue.waiting > 0) this.schedulePump(queue);
  }

  private removeConsumer(registration: Registration): void {
    this.queueSubscriptions--;
    const queue = this.queues.get(registration.destination);
    if (queue === undefined) return;
    queue.removeConsumer(registration.subscriber);
    this.forgetIfIdle(queue);
  }

  private publishToQueue(message: OutboundMessage): number {
    const { maxQueues, maxQueuedMessages, onDrop } = this.options;
    if (!this.queues.has(message.destination) && this.queues.size >= maxQueues) {
      // Names are the client's to choose: without a bound, SENDs to fresh names would hold messages without end.
      this.queueOverflows++;
      onDrop?.(message, `${maxQueues} queues exist (maxQueues)`);
      return 0;
    }
    const queue = this.queueNamed(message.destination);
    if (queue.waiting >= maxQueuedMessages) {
      this.queueOverflows++;
      onDrop?.(message, `its queue holds ${maxQueuedMessages} messages (maxQueuedMessages)`);
      return 0;
    }
    const entry: QueuedMessage = {
      message,
      sequence: this.sequence++,
      deliveries: 0,
      redelivered: false,
      nackedBy: undefined,
      triedBy: undefined,
      triedRound: 0,
    };
    const nested = this.trampoline.busy;
    const goesNow = queue.waiting === 0 && queue.hasReady();
    queue.push(entry);
    this.queued++;
    this.schedulePump(queue);
    // Not nested, the pump has run and the entry says; nested, it runs later and we can only foresee.
    if (nested) return goesNow ? 1 : 0;
    return entry.deliveries > 0 ? 1 : 0;
  }

  private schedulePump(queue: BrokerQueue): void {
    if (queue.pumpScheduled) return;
    queue.pumpScheduled = true;
    this.trampoline.run(() => {
      queue.pumpScheduled = false;
      this.pump(queue);
    });
  }

  /**
   * Hands waiting messages to ready consumers, in order, until one of the two runs out. Within one
   * round (one broker call from outside and all it sets off) a message goes to each consumer at most
   * once: one nacked inside its own delivery by every ready consumer then waits for the next resume,
   * publish, subscribe or client NACK instead of going round for ever.
   */
  private pump(queue: BrokerQueue): void {
    for (let entry = queue.peek(); entry !== undefined; entry = queue.peek()) {
      const tried = this.triedThisRound(entry);
      const consumer = queue.nextReady(entry.nackedBy, tried);
      if (consumer === undefined) break;
      queue.shift();
      this.queued--;
      tried.add(consumer);
      this.handOut(entry, queue.name, consumer);
    }
    this.forgetIfIdle(queue);
  }

  private triedThisRound(entry: QueuedMessage): Set<Subscriber> {
    const round = this.trampoline.round;
    if (entry.triedBy === undefined || entry.triedRound !== round) {
      entry.triedBy = new Set();
      entry.triedRound = round;
    }
    return entry.triedBy;
  }

  private handOut(entry: QueuedMessage, queueName: string, consumer: Subscriber): void {
    this.delivered++;
    entry.deliveries++;
    if (entry.redelivered) this.redelivered++;
    let settled = false;
    const settle = (outcome: Settlement): void => {
      // The first settlement wins: a second (the connection nacking on close what was acked) is ignored.
      if (settled) return;
      settled = true;
      if (outcome === 'nack') this.putBack(entry, queueName, consumer);
    };
    if (!this.trampoline.guard(() => consumer.deliver(entry.message, settle))) settle('nack');
  }

  /** A nacked message goes back to the front of its queue (made again if it went idle meanwhile). */
  private putBack(entry: QueuedMessage, queueName: string, consumer: Subscriber): void {
    if (!entry.redelivered) entry.message = markedRedelivered(entry.message);
    entry.redelivered = true;
    entry.nackedBy = consumer;
    const queue = this.queueNamed(queueName);
    queue.putBack(entry);
    this.queued++;
    this.schedulePump(queue);
  }
}

/** A copy of the message with the `redelivered:true` header, for the consumer that gets it next. */
function markedRedelivered(message: OutboundMessage): OutboundMessage {
  const headers = message.headers.filter(([name]) => name !== 'redelivered');
  return new OutboundMessage(message.destination, message.messageId, message.body, message.contentType, [
    ...headers,
    ['redelivered', 'true'],
  ]);
}
