/**
 * The in-memory STOMP broker's queue bounds (server/stomp/broker/memory-broker): bytes per queue and
 * in all, `maxQueues` on SUBSCRIBE, and the nacked message that no limit may drop.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryBroker, QUEUED_MESSAGE_OVERHEAD_BYTES } from '../../server/stomp/broker/memory-broker';
import { FakeSubscriber, textMessage } from '../support/stomp-subscribers';
import { assertThrowsCode } from '../support/assertions';

/** What a message with a body of `bodyBytes` ASCII characters counts in the byte limits. */
function cost(bodyBytes: number): number {
  return bodyBytes + QUEUED_MESSAGE_OVERHEAD_BYTES;
}

describe('byte limits', () => {
  test('a queue past maxQueuedBytes refuses a new message with ERR_STOMP_LIMIT; other queues go on', () => {
    const broker = new MemoryBroker({ maxQueuedBytes: 2 * cost(10) });
    broker.publish(textMessage('/queue/q', 'x'.repeat(10)));
    broker.publish(textMessage('/queue/q', 'x'.repeat(10)));
    assert.equal(broker.stats().queuedBytes, 2 * cost(10));
    assertThrowsCode(
      () => broker.publish(textMessage('/queue/q', 'x')),
      'ERR_STOMP_LIMIT',
      new RegExp(`: /queue/q: its queue would hold more than ${2 * cost(10)} bytes \\(maxQueuedBytes\\)$`),
    );
    assert.equal(broker.stats().queueOverflows, 1);
    assert.equal(broker.publish(textMessage('/queue/other', 'x'.repeat(10))), 0);
    assert.equal(broker.stats().queued, 3);
  });

  test('the body counts in UTF-8 bytes, and an empty message costs the overhead', () => {
    const broker = new MemoryBroker();
    broker.publish(textMessage('/queue/q', ''));
    broker.publish(textMessage('/queue/q', 'é€'));
    assert.equal(broker.stats().queuedBytes, cost(0) + cost(5));
  });

  test('all queues together past maxBrokerQueuedBytes: a new message to any queue is refused', () => {
    const broker = new MemoryBroker({ maxBrokerQueuedBytes: 2 * cost(1) });
    broker.publish(textMessage('/queue/a', '1'));
    broker.publish(textMessage('/queue/b', '1'));
    for (const destination of ['/queue/a', '/queue/c']) {
      assertThrowsCode(
        () => broker.publish(textMessage(destination, '1')),
        'ERR_STOMP_LIMIT',
        new RegExp(
          `: ${destination}: the queues would hold more than ${2 * cost(1)} bytes \\(maxBrokerQueuedBytes\\)$`,
        ),
      );
    }
    assert.equal(broker.stats().queues, 2, 'the refused message made no queue');
    assert.equal(broker.stats().queueOverflows, 2);
  });

  test('a message larger than maxQueuedBytes is refused even by an empty queue', () => {
    const broker = new MemoryBroker({ maxQueuedBytes: cost(10) });
    assertThrowsCode(
      () => broker.publish(textMessage('/queue/q', 'x'.repeat(11))),
      'ERR_STOMP_LIMIT',
      /maxQueuedBytes/,
    );
    assert.equal(broker.stats().queues, 0);
    assert.equal(broker.stats().queuedBytes, 0);
  });

  test('delivered messages count until acked; a nack keeps them counted and is not refused', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const broker = new MemoryBroker({ maxQueuedBytes: cost(1) });
    broker.subscribe(consumer);
    assert.equal(broker.publish(textMessage('/queue/q', '1')), 1);
    assert.equal(broker.stats().queued, 0);
    assert.equal(broker.stats().queuedBytes, cost(1));
    assertThrowsCode(() => broker.publish(textMessage('/queue/q', '2')), 'ERR_STOMP_LIMIT', /maxQueuedBytes/);
    consumer.settle(0, 'nack');
    assert.deepEqual(consumer.bodies, ['1', '1']);
    assert.equal(broker.stats().queuedBytes, cost(1));
    consumer.settle(1, 'ack');
    assert.equal(broker.stats().queuedBytes, 0);
    assert.equal(broker.publish(textMessage('/queue/q', '2')), 1);
  });

  test('a nacked message over the byte limits goes back to its queue and still counts once', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const broker = new MemoryBroker({ maxQueuedBytes: 2 * cost(1), maxBrokerQueuedBytes: 2 * cost(1) });
    broker.subscribe(consumer);
    broker.publish(textMessage('/queue/q', '1'));
    consumer.ready = false;
    broker.publish(textMessage('/queue/q', '2'));
    consumer.settle(0, 'nack');
    assert.equal(broker.stats().queued, 2);
    assert.equal(broker.stats().queuedBytes, 2 * cost(1));
    assert.equal(broker.stats().queueOverflows, 0);
  });

  test('queuedBytes goes back to 0 once every queue message is acked, even across a queue made again', () => {
    const first = new FakeSubscriber('/queue/q');
    const broker = new MemoryBroker();
    broker.subscribe(first);
    broker.publish(textMessage('/queue/q', 'abc'));
    broker.publish(textMessage('/queue/q', 'de'));
    broker.unsubscribe(first);
    assert.equal(broker.stats().queues, 0);
    first.settle(0, 'nack');
    first.settle(1, 'ack');
    assert.equal(broker.stats().queuedBytes, cost(3));
    const next = new FakeSubscriber('/queue/q', 'auto');
    next.onDeliver = (delivery) => delivery.settle?.('ack');
    broker.subscribe(next);
    assert.deepEqual(next.bodies, ['abc']);
    broker.publish(textMessage('/queue/q', 'fgh'));
    assert.equal(broker.stats().queuedBytes, 0);
    broker.publish(textMessage('/topic/t', 'topic messages are not kept'));
    assert.equal(broker.stats().queuedBytes, 0);
  });
});

describe('maxQueues beyond SEND', () => {
  test('a SUBSCRIBE to a new queue past maxQueues is refused with ERR_STOMP_LIMIT; known queues and topics are not', () => {
    const broker = new MemoryBroker({ maxQueues: 1 });
    const first = new FakeSubscriber('/queue/a');
    broker.subscribe(first);
    const refused = new FakeSubscriber('/queue/b');
    assertThrowsCode(() => broker.subscribe(refused), 'ERR_STOMP_LIMIT', /: \/queue\/b: 1 queues exist \(maxQueues\)$/);
    assert.equal(broker.stats().queues, 1);
    broker.unsubscribe(refused);
    assert.equal(broker.stats().queueSubscriptions, 1, 'the refused one was never registered');
    broker.subscribe(new FakeSubscriber('/queue/a'));
    broker.subscribe(new FakeSubscriber('/topic/t'));
    assert.equal(broker.stats().queueSubscriptions, 2);
    broker.publish(textMessage('/queue/a', '1'));
    assert.deepEqual(first.bodies, ['1'], 'the refused subscriber left no trace in the round robin');
  });

  test('a message nacked after its queue went idle makes it again past maxQueues: it is not dropped', () => {
    const drops: string[] = [];
    const broker = new MemoryBroker({ maxQueues: 1, onDrop: (message) => drops.push(message.body) });
    const first = new FakeSubscriber('/queue/a');
    broker.subscribe(first);
    broker.publish(textMessage('/queue/a', '1'));
    broker.unsubscribe(first);
    broker.publish(textMessage('/queue/b', 'b'));
    assert.equal(broker.stats().queues, 1);
    first.settle(0, 'nack');
    const stats = broker.stats();
    assert.deepEqual([stats.queues, stats.queued, stats.queueOverflows], [2, 2, 0]);
    assert.deepEqual(drops, []);
    const next = new FakeSubscriber('/queue/a');
    broker.subscribe(next);
    assert.deepEqual(next.bodies, ['1']);
  });
});
