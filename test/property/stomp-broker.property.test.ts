/**
 * Properties of the in-memory STOMP broker (server/stomp/broker/memory-broker): for random sequences
 * of subscribe, unsubscribe, publish, ack, nack, ready and resume, every queue message is acked
 * exactly once in the end, and each subscriber sees messages in publish order (a redelivered queue
 * message aside: it goes first).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MemoryBroker } from '../../server/stomp/broker/memory-broker';
import { type Delivery, FakeSubscriber, textMessage } from '../support/stomp-subscribers';

const RUNS = { numRuns: 300 };
const QUEUES = ['/queue/a', '/queue/b'];
const CONSUMERS = 4;

type Operation =
  | { readonly op: 'subscribe'; readonly consumer: number; readonly autoAck: boolean }
  | { readonly op: 'unsubscribe'; readonly consumer: number }
  | { readonly op: 'publish'; readonly queue: number }
  | { readonly op: 'publish-topic' }
  | { readonly op: 'settle'; readonly consumer: number; readonly pick: number; readonly ack: boolean }
  | { readonly op: 'settle-again'; readonly consumer: number; readonly pick: number; readonly ack: boolean }
  | { readonly op: 'ready'; readonly consumer: number; readonly ready: boolean };

const consumer = fc.nat({ max: CONSUMERS - 1 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('subscribe' as const), consumer, autoAck: fc.boolean() }),
  fc.record({ op: fc.constant('unsubscribe' as const), consumer }),
  fc.record({ op: fc.constant('publish' as const), queue: fc.nat({ max: QUEUES.length - 1 }) }),
  fc.record({ op: fc.constant('publish-topic' as const) }),
  fc.record({ op: fc.constant('settle' as const), consumer, pick: fc.nat(), ack: fc.boolean() }),
  fc.record({ op: fc.constant('settle-again' as const), consumer, pick: fc.nat(), ack: fc.boolean() }),
  fc.record({ op: fc.constant('ready' as const), consumer, ready: fc.boolean() }),
);

/** A consumer as the connection would drive it: it settles each delivery once, and knows which it settled. */
class Consumer {
  readonly subscriber: FakeSubscriber;
  readonly settled = new Set<Delivery>();

  constructor(
    destination: string,
    private readonly acked: Map<string, number>,
    autoAck: boolean,
  ) {
    this.subscriber = new FakeSubscriber(destination, autoAck ? 'auto' : 'client-individual');
    if (autoAck) this.subscriber.onDeliver = (delivery) => this.settle(delivery, true);
  }

  get unsettled(): Delivery[] {
    return this.subscriber.deliveries.filter((delivery) => !this.settled.has(delivery));
  }

  settle(delivery: Delivery, ack: boolean): void {
    if (this.settled.has(delivery)) return;
    this.settled.add(delivery);
    if (ack) this.acked.set(delivery.message.messageId, (this.acked.get(delivery.message.messageId) ?? 0) + 1);
    delivery.settle?.(ack ? 'ack' : 'nack');
  }
}

/** Publish order of a delivered message: its body. */
function orderOf(delivery: Delivery): number {
  return Number(delivery.message.body);
}

function redelivered(delivery: Delivery): boolean {
  return delivery.message.headers.some(([name, value]) => name === 'redelivered' && value === 'true');
}

function assertInPublishOrder(deliveries: readonly Delivery[], what: string): void {
  const orders = deliveries.map(orderOf);
  assert.deepEqual(
    orders,
    [...orders].sort((a, b) => a - b),
    `${what} out of order: ${orders.join(',')}`,
  );
}

class Scenario {
  readonly broker = new MemoryBroker();
  readonly acked = new Map<string, number>();
  readonly queueMessages: string[] = [];
  readonly topicMessages: number[] = [];
  readonly everyone: Consumer[] = [];
  readonly live: (Consumer | undefined)[] = new Array<Consumer | undefined>(CONSUMERS).fill(undefined);
  readonly topicByName = new FakeSubscriber('/topic/t.x');
  readonly topicByPattern = new FakeSubscriber('/topic/**');
  private published = 0;

  constructor() {
    this.broker.subscribe(this.topicByName);
    this.broker.subscribe(this.topicByPattern);
  }

  apply(operation: Operation): void {
    switch (operation.op) {
      case 'subscribe':
        return this.subscribe(operation.consumer, operation.autoAck);
      case 'unsubscribe':
        return this.unsubscribe(operation.consumer);
      case 'publish': {
        const message = textMessage(QUEUES[operation.queue] as string, String(this.published++));
        this.queueMessages.push(message.messageId);
        this.broker.publish(message);
        return;
      }
      case 'publish-topic':
        this.topicMessages.push(this.published);
        this.broker.publish(textMessage('/topic/t.x', String(this.published++)));
        return;
      case 'settle': {
        const live = this.live[operation.consumer];
        const unsettled = live?.unsettled ?? [];
        const delivery = unsettled[operation.pick % Math.max(unsettled.length, 1)];
        if (live !== undefined && delivery !== undefined) live.settle(delivery, operation.ack);
        return;
      }
      case 'settle-again': {
        // A second settle straight on the broker's callback: it must change nothing.
        const deliveries = this.live[operation.consumer]?.subscriber.deliveries ?? [];
        const done = deliveries.filter((delivery) => this.live[operation.consumer]?.settled.has(delivery));
        done[operation.pick % Math.max(done.length, 1)]?.settle?.(operation.ack ? 'ack' : 'nack');
        return;
      }
      case 'ready': {
        const live = this.live[operation.consumer];
        if (live === undefined) return;
        live.subscriber.ready = operation.ready;
        this.broker.resume(live.subscriber);
        return;
      }
    }
  }

  /** The end: everyone left nacks what it holds and goes; one auto-ack consumer per queue takes the rest. */
  finish(): void {
    for (let i = 0; i < CONSUMERS; i++) this.unsubscribe(i);
    for (const queue of QUEUES) {
      const drain = new Consumer(queue, this.acked, true);
      this.everyone.push(drain);
      this.broker.subscribe(drain.subscriber);
    }
  }

  private subscribe(index: number, autoAck: boolean): void {
    if (this.live[index] !== undefined) return;
    const live = new Consumer(QUEUES[index % QUEUES.length] as string, this.acked, autoAck);
    this.live[index] = live;
    this.everyone.push(live);
    this.broker.subscribe(live.subscriber);
  }

  /** As the connection closes a subscription: no more messages, nack what it holds, then unsubscribe. */
  private unsubscribe(index: number): void {
    const live = this.live[index];
    if (live === undefined) return;
    this.live[index] = undefined;
    live.subscriber.ready = false;
    for (const delivery of live.unsettled) live.settle(delivery, false);
    this.broker.unsubscribe(live.subscriber);
  }
}

describe('STOMP broker properties', () => {
  test('each queue message is acked exactly once; each subscriber sees publish order', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const scenario = new Scenario();
        for (const step of operations) scenario.apply(step);
        scenario.finish();

        for (const messageId of scenario.queueMessages) {
          assert.equal(
            scenario.acked.get(messageId),
            1,
            `${messageId} acked ${scenario.acked.get(messageId) ?? 0} times`,
          );
        }
        assert.equal(scenario.acked.size, scenario.queueMessages.length);
        for (const { subscriber } of scenario.everyone) {
          assertInPublishOrder(
            subscriber.deliveries.filter((delivery) => !redelivered(delivery)),
            subscriber.subscriptionId,
          );
        }
        for (const topic of [scenario.topicByName, scenario.topicByPattern]) {
          assert.deepEqual(topic.bodies.map(Number), scenario.topicMessages);
        }
        const stats = scenario.broker.stats();
        assert.equal(stats.queued, 0);
        assert.equal(stats.queuedBytes, 0, 'every queue message acked: nothing counts in the byte limits');
        assert.equal(stats.queueOverflows, 0);
        assert.equal(stats.published, scenario.queueMessages.length + scenario.topicMessages.length);
      }),
      RUNS,
    );
  });
});
