import type { OutboundMessage } from '../message';
import type { Subscriber } from './broker';
import { Fifo } from './fifo';

/** A queue message and what its past deliveries left on it. */
export interface QueuedMessage {
  message: OutboundMessage;
  /** Publish order across the broker: where a nacked message goes back among the other nacked ones. */
  readonly sequence: number;
  /** What it counts in the byte limits, from its publish until it is acked. */
  readonly bytes: number;
  /** The queue its bytes are counted in: a new one of the same name if it went idle while this was out. */
  queue: BrokerQueue;
  /** How many times it was handed to a consumer. */
  deliveries: number;
  /** It was nacked at least once. */
  redelivered: boolean;
  /** The consumer that nacked it last: passed over while another consumer is ready. */
  nackedBy: Subscriber | undefined;
  /** The consumers it went to in broker round `triedRound` (see MemoryBroker.pump). */
  triedBy: Set<Subscriber> | undefined;
  triedRound: number;
}

/**
 * One point-to-point destination: its consumers in subscription order, a round-robin cursor over
 * them, and the messages waiting for a ready one. Nacked messages wait in front of the others, in
 * publish order, so each consumer still sees the rest in publish order.
 */
export class BrokerQueue {
  private readonly consumers: Subscriber[] = [];
  private cursor = 0;
  private readonly nacked: QueuedMessage[] = [];
  private readonly fresh = new Fifo<QueuedMessage>();
  /** A pump of this queue is already scheduled: another one would find nothing to do. */
  pumpScheduled = false;
  /** The bytes of its messages, waiting or delivered and not yet acked (see QueuedMessage.bytes). */
  bytes = 0;

  constructor(readonly name: string) {}

  get consumerCount(): number {
    return this.consumers.length;
  }

  get waiting(): number {
    return this.nacked.length + this.fresh.length;
  }

  /** No consumer and nothing waiting: the broker may forget it. */
  get idle(): boolean {
    return this.consumers.length === 0 && this.waiting === 0;
  }

  addConsumer(consumer: Subscriber): void {
    this.consumers.push(consumer);
  }

  removeConsumer(consumer: Subscriber): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    // Keep the cursor on the consumer that was next, so removal does not skip anyone's turn.
    if (index < this.cursor) this.cursor--;
    if (this.cursor >= this.consumers.length) this.cursor = 0;
  }

  push(entry: QueuedMessage): void {
    this.fresh.push(entry);
  }

  /** Puts a nacked message back in front of the never-delivered ones, among the nacked in publish order. */
  putBack(entry: QueuedMessage): void {
    let at = this.nacked.length;
    while (at > 0 && (this.nacked[at - 1] as QueuedMessage).sequence > entry.sequence) at--;
    this.nacked.splice(at, 0, entry);
  }

  peek(): QueuedMessage | undefined {
    return this.nacked[0] ?? this.fresh.peek();
  }

  shift(): QueuedMessage | undefined {
    return this.nacked.shift() ?? this.fresh.shift();
  }

  /**
   * The next ready consumer in round-robin order, and moves the cursor past it. `passOver` is taken
   * only if no other is ready; `excluded` never.
   */
  nextReady(passOver: Subscriber | undefined, excluded: ReadonlySet<Subscriber> | undefined): Subscriber | undefined {
    const count = this.consumers.length;
    let fallback: number | undefined;
    for (let step = 0; step < count; step++) {
      const index = (this.cursor + step) % count;
      const consumer = this.consumers[index] as Subscriber;
      if (!consumer.ready || excluded?.has(consumer)) continue;
      if (consumer === passOver) {
        fallback ??= index;
        continue;
      }
      return this.take(index);
    }
    return fallback === undefined ? undefined : this.take(fallback);
  }

  /** Whether some consumer is ready now. */
  hasReady(): boolean {
    return this.consumers.some((consumer) => consumer.ready);
  }

  private take(index: number): Subscriber {
    this.cursor = (index + 1) % this.consumers.length;
    return this.consumers[index] as Subscriber;
  }
}
