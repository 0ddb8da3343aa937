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
  QUEUED_MESSAGE_OVERHEAD_BYTES,
  resolveMemoryBrokerOptions,
  type ResolvedMemoryBrokerOptions,
} from './memory-broker-options';
import { Trampoline } from './trampoline';

export {
  MEMORY_BROKER_DEFAULTS,
  type MemoryBrokerOptions,
  QUEUED_MESSAGE_OVERHEAD_BYTES,
} from './memory-broker-options';

/** BrokerStats and the sizes of the broker's tables: all three are 0 once every subscriber has left. */
export interface MemoryBrokerStats extends BrokerStats {
  /** Exact topic names with a subscriber. */
  readonly topicNames: number;
  /** Topic pattern subscriptions. */
  readonly topicPatterns: number;
  /** Queues kept: with a consumer or a waiting message. */
  readonly queues: number;
  /**
   * What the queue messages waiting or delivered and not yet acked count against `maxBrokerQueuedBytes`
   * (each its body plus QUEUED_MESSAGE_OVERHEAD_BYTES): 0 once every queue message is acked.
   */
  readonly queuedBytes: number;
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
  private queuedBytes = 0;
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
    if (kind === 'queue') this.checkRoomForQueue(destination);
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
   * Returns how many subscribers the message went to (0 for a queue message kept for later). Called
   * from inside a `deliver`, the message goes once that delivery is done, and the count is what it
   * will go to as things stand.
   *
   * A queue message over a limit (`maxQueues`, `maxQueuedMessages`, `maxQueuedBytes`,
   * `maxBrokerQueuedBytes`) is dropped and counted in `queueOverflows`. Called from outside, the call
   * then throws ERR_STOMP_LIMIT ("<destination>: <why, naming the option>"), for the sender's ERROR
   * frame or the template's caller; from inside a `deliver` the sender is not at hand, so it goes to
   * `onDrop` and the call returns 0.
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
      queuedBytes: this.queuedBytes,
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
        // guard() inlined: a fan-out to thousands would otherwise make a closure per delivery.
        try {
          registration.subscriber.deliver(message);
        } catch (error) {
          this.trampoline.failed(error);
        }
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

  /** A SUBSCRIBE to a new queue name past `maxQueues` is refused, as a SEND to one is. */
  private checkRoomForQueue(name: string): void {
    if (this.queues.has(name) || this.queues.size < this.options.maxQueues) return;
    throw new SockJsError('ERR_STOMP_LIMIT', `${name}: ${this.options.maxQueues} queues exist (maxQueues)`);
  }

  /** Why a new message of `bytes` may not go into the queue `name`, or undefined if it may. */
  private overLimit(name: string, bytes: number): string | undefined {
    const { maxQueues, maxQueuedMessages, maxQueuedBytes, maxBrokerQueuedBytes } = this.options;
    const queue = this.queues.get(name);
    // Names are the client's to choose: without a bound, SENDs to fresh names would hold messages without end.
    if (queue === undefined && this.queues.size >= maxQueues) return `${maxQueues} queues exist (maxQueues)`;
    if ((queue?.waiting ?? 0) >= maxQueuedMessages) {
      return `its queue holds ${maxQueuedMessages} messages (maxQueuedMessages)`;
    }
    if ((queue?.bytes ?? 0) + bytes > maxQueuedBytes) {
      return `its queue would hold more than ${maxQueuedBytes} bytes (maxQueuedBytes)`;
    }
    if (this.queuedBytes + bytes > maxBrokerQueuedBytes) {
      return `the queues would hold more than ${maxBrokerQueuedBytes} bytes (maxBrokerQueuedBytes)`;
    }
    return undefined;
  }

  private publishToQueue(message: OutboundMessage): number {
    const bytes = message.contentLength + QUEUED_MESSAGE_OVERHEAD_BYTES;
    const nested = this.trampoline.busy;
    const reason = this.overLimit(message.destination, bytes);
    if (reason !== undefined) {
      this.queueOverflows++;
      // From outside, the sender is the caller: it hears of the drop (an ERROR frame, an exception).
      if (!nested) throw new SockJsError('ERR_STOMP_LIMIT', `${message.destination}: ${reason}`);
      this.options.onDrop?.(message, reason);
      return 0;
    }
    const queue = this.queueNamed(message.destination);
    const entry: QueuedMessage = {
      message,
      sequence: this.sequence++,
      bytes,
      queue,
      deliveries: 0,
      redelivered: false,
      nackedBy: undefined,
      triedBy: undefined,
      triedRound: 0,
    };
    const goesNow = queue.waiting === 0 && queue.hasReady();
    queue.push(entry);
    queue.bytes += bytes;
    this.queuedBytes += bytes;
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
      this.handOut(entry, consumer);
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

  private handOut(entry: QueuedMessage, consumer: Subscriber): void {
    this.delivered++;
    entry.deliveries++;
    if (entry.redelivered) this.redelivered++;
    let settled = false;
    const settle = (outcome: Settlement): void => {
      // The first settlement wins: a second (the connection nacking on close what was acked) is ignored.
      if (settled) return;
      settled = true;
      if (outcome === 'nack') this.putBack(entry, consumer);
      else this.release(entry);
    };
    if (!this.trampoline.guard(() => consumer.deliver(entry.message, settle))) settle('nack');
  }

  /** An acked message no longer counts in the byte limits. */
  private release(entry: QueuedMessage): void {
    entry.queue.bytes -= entry.bytes;
    this.queuedBytes -= entry.bytes;
  }

  /**
   * A nacked message goes back to the front of its queue; no limit drops it: it was accepted. If its
   * queue went idle while it was out (its consumers left before nacking), the queue is made again,
   * even past `maxQueues`: refusing would lose the message, and the excess is bounded, as each such
   * queue holds a message still counted in `maxBrokerQueuedBytes`.
   */
  private putBack(entry: QueuedMessage, consumer: Subscriber): void {
    if (!entry.redelivered) entry.message = markedRedelivered(entry.message);
    entry.redelivered = true;
    entry.nackedBy = consumer;
    const queue = this.queueNamed(entry.queue.name);
    if (queue !== entry.queue) {
      entry.queue.bytes -= entry.bytes;
      queue.bytes += entry.bytes;
      entry.queue = queue;
    }
    queue.putBack(entry);
    this.queued++;
    this.schedulePump(queue);
  }
}

/** A copy of the message with the `redelivered:true` header, for the consumer that gets it next. */
export function markedRedelivered(message: OutboundMessage): OutboundMessage {
  const headers = message.headers.filter(([name]) => name !== 'redelivered');
  return new OutboundMessage(message.destination, message.messageId, message.body, message.contentType, [
    ...headers,
    ['redelivered', 'true'],
  ]);
}
