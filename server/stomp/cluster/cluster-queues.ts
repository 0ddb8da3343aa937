import { SockJsError } from '../../../protocol';
import type { ClusterChannels, ClusterQueueBounds, ClusterQueueStore } from '../../cluster/types';
import type { Logger } from '../../handler';
import type { Settlement, Subscriber } from '../broker/broker';
import { Fifo } from '../broker/fifo';
import { markedRedelivered } from '../broker/memory-broker';
import { OutboundMessage } from '../message';
import { decodeWireMessage, encodeWireMessage, stompChannels } from './wire';

/** A message this node took from Redis: `order` keeps taken messages in queue order when they go back. */
interface Taken {
  readonly message: OutboundMessage;
  readonly order: number;
}

/** One queue as this node sees it: its local consumers, what it took and not handed out yet, what goes back. */
class LocalQueue {
  readonly consumers: Subscriber[] = [];
  private cursor = 0;
  readonly taken = new Fifo<Taken>();
  /** Resolves once the bus listens to the queue's channel (undefined while no consumer is here). */
  listening: Promise<void> | undefined;
  /** A take is in flight; `takeAgain`: something came meanwhile, take once more after it. */
  taking = false;
  takeAgain = false;
  /**
   * Redis may hold messages for it: false once a take came back short, true again when one is
   * announced (or put back, or Redis is back), so that ACKs and drains do not each cost a round trip.
   */
  mayHaveMore = true;
  /** Messages to put back at the head of the queue, gathered over one turn of the event loop. */
  returning: Taken[] = [];
  /** Put back that Redis did not take (it was away): tried again when it is back. */
  unreturned: Taken[] = [];
  /** Put-backs sent to Redis and not answered yet: the queue is kept until they are. */
  returnsInFlight = 0;
  /** A take that failed is tried again after a pause (Redis up but refusing: busy, out of memory, too old). */
  retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly name: string) {}

  get idle(): boolean {
    return (
      this.consumers.length === 0 &&
      this.taken.length === 0 &&
      !this.taking &&
      this.returning.length === 0 &&
      this.unreturned.length === 0 &&
      this.returnsInFlight === 0 &&
      this.retryTimer === undefined
    );
  }

  /** The next ready consumer, round robin. */
  nextReady(): Subscriber | undefined {
    const count = this.consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (this.cursor + step) % count;
      const consumer = this.consumers[index] as Subscriber;
      if (!consumer.ready) continue;
      this.cursor = (index + 1) % count;
      return consumer;
    }
    return undefined;
  }

  hasReady(): boolean {
    return this.consumers.some((consumer) => consumer.ready);
  }

  remove(consumer: Subscriber): boolean {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return false;
    this.consumers.splice(index, 1);
    if (index < this.cursor) this.cursor--;
    if (this.cursor >= this.consumers.length) this.cursor = 0;
    return true;
  }
}

export interface ClusterQueueCounters {
  queueSubscriptions: number;
  published: number;
  delivered: number;
  redelivered: number;
  queueOverflows: number;
  /** Messages this node took and has not handed to a consumer yet. */
  queued: number;
}

/** What a bound's name means, for the sender's ERROR frame. */
function refusal(bound: string, bounds: ClusterQueueBounds): string {
  switch (bound) {
    case 'maxQueuedMessages':
      return `its queue holds ${bounds.maxQueuedMessages} messages (maxQueuedMessages)`;
    case 'maxQueuedBytes':
      return `its queue would hold more than ${bounds.maxQueuedBytes} bytes (maxQueuedBytes)`;
    case 'maxBrokerQueuedBytes':
      return `the queues would hold more than ${bounds.maxBrokerQueuedBytes} bytes (maxBrokerQueuedBytes)`;
    default:
      return `${bounds.maxQueues} queues hold messages (maxQueues)`;
  }
}

/** Pause before a failed take (Redis there but refusing) is tried again. */
const TAKE_RETRY_MS = 1_000;

function unavailable(cause?: unknown): SockJsError {
  return new SockJsError('ERR_STOMP_BROKER_UNAVAILABLE', 'Message broker not available: Redis is away', { cause });
}

/**
 * The broker's queues across the nodes of a cluster bus, kept in Redis (see `ClusterQueueStore`):
 * a SEND appends to the queue in Redis; a node with consumers of a queue takes messages from it
 * (up to `prefetch` at a time, only while a consumer is ready and what it took before is handed
 * out) and hands each to one ready local consumer, round robin. Each message reaches one consumer
 * of the cluster. A node hears of new messages on the queue's bus channel, which it listens to while
 * it has consumers; a nacked message, and what a node took when its last consumer left, go back to
 * the head of the queue for any node. What a node took and had not settled when it died is lost.
 */
export class ClusterQueues {
  private readonly queues = new Map<string, LocalQueue>();
  private order = 0;
  readonly counters: ClusterQueueCounters = {
    queueSubscriptions: 0,
    published: 0,
    delivered: 0,
    redelivered: 0,
    queueOverflows: 0,
    queued: 0,
  };

  constructor(
    private readonly bus: ClusterChannels,
    private readonly store: ClusterQueueStore,
    private readonly bounds: ClusterQueueBounds,
    private readonly prefetch: number,
    private readonly nextMessageId: () => string,
    private readonly logger: Logger,
  ) {
    bus.onReconnect(() => this.catchUp());
  }

  /** Resolves once this node hears of the queue's new messages (what Redis held already is being taken). */
  subscribe(subscriber: Subscriber): Promise<void> {
    const queue = this.queueNamed(subscriber.destination);
    if (queue.listening === undefined) {
      const channel = stompChannels.queue(queue.name);
      try {
        queue.listening = this.bus.subscribe(channel, () => this.heardOf(queue.name));
      } catch (error) {
        // The bus refused the channel (another STOMP server on this bus has it): the SUBSCRIBE fails whole.
        this.forgetIfIdle(queue);
        throw error;
      }
      void queue.listening.then(() => this.take(queue));
    }
    queue.consumers.push(subscriber);
    this.counters.queueSubscriptions++;
    return queue.listening;
  }

  unsubscribe(subscriber: Subscriber): void {
    const queue = this.queues.get(subscriber.destination);
    if (!queue?.remove(subscriber)) return;
    this.counters.queueSubscriptions--;
    if (queue.consumers.length > 0) return;
    this.bus.unsubscribe(stompChannels.queue(queue.name));
    queue.listening = undefined;
    this.giveBackTaken(queue);
  }

  resume(subscriber: Subscriber): void {
    const queue = this.queues.get(subscriber.destination);
    if (queue?.consumers.includes(subscriber)) this.pump(queue);
  }

  /** Appends to the queue in Redis; rejects with ERR_STOMP_LIMIT (a bound refused it) or ERR_STOMP_BROKER_UNAVAILABLE. */
  async publish(message: OutboundMessage): Promise<number> {
    const name = message.destination;
    if (!this.bus.connected) throw unavailable();
    let refused: string | undefined;
    try {
      refused = await this.store.push(name, encodeWireMessage(name, message), this.bounds);
    } catch (error) {
      throw unavailable(error);
    }
    if (refused !== undefined) {
      this.counters.queueOverflows++;
      throw new SockJsError('ERR_STOMP_LIMIT', `${name}: ${refusal(refused, this.bounds)}`);
    }
    this.counters.published++;
    this.announce(name);
    return 0;
  }

  /** Tells every node with consumers of `name` (this one too) that it has messages. */
  private announce(name: string): void {
    this.bus.publishTo(stompChannels.queue(name), '');
    this.heardOf(name);
  }

  private heardOf(name: string): void {
    const queue = this.queues.get(name);
    if (queue === undefined) return;
    queue.mayHaveMore = true;
    this.take(queue);
  }

  private queueNamed(name: string): LocalQueue {
    let queue = this.queues.get(name);
    if (queue === undefined) this.queues.set(name, (queue = new LocalQueue(name)));
    return queue;
  }

  private forgetIfIdle(queue: LocalQueue): void {
    if (queue.idle && this.queues.get(queue.name) === queue) this.queues.delete(queue.name);
  }

  /** Takes more from Redis when a local consumer is ready and what was taken before is handed out. */
  private take(queue: LocalQueue): void {
    if (queue.taking) {
      queue.takeAgain = true;
      return;
    }
    if (!queue.mayHaveMore || queue.taken.length > 0 || !queue.hasReady() || !this.bus.connected) return;
    queue.taking = true;
    queue.takeAgain = false;
    this.store.take(queue.name, this.prefetch).then(
      (items) => {
        queue.taking = false;
        if (items.length < this.prefetch && !queue.takeAgain) queue.mayHaveMore = false;
        for (const raw of items) this.accept(queue, raw);
        this.pump(queue);
        if (items.length === this.prefetch || queue.takeAgain) this.take(queue);
        this.forgetIfIdle(queue);
      },
      (error: unknown) => {
        queue.taking = false;
        this.takeFailed(queue, error);
      },
    );
  }

  /**
   * Redis away: taken again when it is back (catchUp). Redis there but refusing (busy, out of
   * memory, older than 6.2): warned, and tried again after a pause while a consumer is here.
   */
  private takeFailed(queue: LocalQueue, error: unknown): void {
    if (!this.bus.connected) {
      this.logger.debug({ err: error, queue: queue.name }, 'STOMP cluster: taking from a queue failed, Redis away');
      this.forgetIfIdle(queue);
      return;
    }
    this.logger.warn({ err: error, queue: queue.name }, 'STOMP cluster: taking from a queue failed; trying again');
    if (queue.retryTimer !== undefined) return;
    queue.retryTimer = setTimeout(() => {
      queue.retryTimer = undefined;
      if (queue.consumers.length > 0) this.take(queue);
      else this.forgetIfIdle(queue);
    }, TAKE_RETRY_MS);
    queue.retryTimer.unref?.();
  }

  private accept(queue: LocalQueue, raw: string): void {
    const wire = decodeWireMessage(raw);
    if (!wire) {
      this.logger.warn({ queue: queue.name }, 'STOMP cluster: not a STOMP queue message, dropped');
      return;
    }
    const { destination, body, contentType, headers } = wire;
    const message = new OutboundMessage(destination, this.nextMessageId(), body, contentType, headers);
    queue.taken.push({ message, order: this.order++ });
    this.counters.queued++;
  }

  /** Hands what was taken to ready consumers; takes more once it is all out; gives it back when no consumer is left. */
  private pump(queue: LocalQueue): void {
    for (let entry = queue.taken.peek(); entry !== undefined; entry = queue.taken.peek()) {
      const consumer = queue.nextReady();
      if (consumer === undefined) break;
      queue.taken.shift();
      this.counters.queued--;
      this.handOut(queue, entry, consumer);
    }
    if (queue.consumers.length === 0) this.giveBackTaken(queue);
    else if (queue.taken.length === 0) this.take(queue);
  }

  private handOut(queue: LocalQueue, entry: Taken, consumer: Subscriber): void {
    this.counters.delivered++;
    if (entry.message.headers.some(([name, value]) => name === 'redelivered' && value === 'true')) {
      this.counters.redelivered++;
    }
    let settled = false;
    const settle = (outcome: Settlement): void => {
      if (settled) return;
      settled = true;
      if (outcome === 'nack') this.putBack(queue.name, entry);
    };
    try {
      consumer.deliver(entry.message, settle);
    } catch (error) {
      this.logger.warn(
        { err: error, queue: queue.name },
        'STOMP cluster: a queue delivery failed; the message goes back',
      );
      settle('nack');
    }
  }

  private giveBackTaken(queue: LocalQueue): void {
    for (let entry = queue.taken.shift(); entry !== undefined; entry = queue.taken.shift()) {
      this.counters.queued--;
      this.returnToHead(queue, entry);
    }
    this.forgetIfIdle(queue);
  }

  /** A nacked message goes back to the head of its queue, marked redelivered, for any node. */
  private putBack(name: string, entry: Taken): void {
    const message = markedRedelivered(entry.message);
    this.returnToHead(this.queueNamed(name), { message, order: entry.order });
  }

  /** Gathers what goes back over one turn, so that it keeps its order at the head of the queue. */
  private returnToHead(queue: LocalQueue, entry: Taken): void {
    queue.returning.push(entry);
    if (queue.returning.length === 1) queueMicrotask(() => this.flushReturns(queue));
  }

  private flushReturns(queue: LocalQueue): void {
    const entries = [...queue.unreturned, ...queue.returning].sort((a, b) => a.order - b.order);
    queue.returning = [];
    queue.unreturned = [];
    const raws = entries.map((entry) => encodeWireMessage(queue.name, entry.message));
    queue.returnsInFlight++;
    this.store.putBack(queue.name, raws).then(
      () => {
        queue.returnsInFlight--;
        this.forgetIfIdle(queue);
        this.announce(queue.name);
      },
      (error: unknown) => {
        queue.returnsInFlight--;
        // Accepted messages are not dropped: kept here and put back when Redis is back.
        queue.unreturned.push(...entries);
        this.logger.warn(
          { err: error, queue: queue.name, messages: entries.length },
          'STOMP cluster: Redis away; messages going back to their queue are kept until it is back',
        );
      },
    );
  }

  /** Redis is back: what could not go back goes now, and every queue with a ready consumer takes what came meanwhile. */
  private catchUp(): void {
    for (const queue of this.queues.values()) {
      if (queue.unreturned.length > 0 && queue.returning.length === 0) this.flushReturns(queue);
      queue.mayHaveMore = true;
      this.take(queue);
    }
  }
}
