/** The in-memory STOMP broker (server/stomp/broker/memory-broker): topics, queues, settlement, options. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MEMORY_BROKER_DEFAULTS,
  MemoryBroker,
  type MemoryBrokerOptions,
  QUEUED_MESSAGE_OVERHEAD_BYTES,
} from '../../server/stomp/broker/memory-broker';
import { FakeSubscriber, textMessage } from '../support/stomp-subscribers';
import { assertThrowsCode } from '../support/assertions';

/** A broker with `subscribers` subscribed, in order. */
function brokerWith(subscribers: FakeSubscriber[], options?: MemoryBrokerOptions): MemoryBroker {
  const broker = new MemoryBroker(options);
  for (const subscriber of subscribers) broker.subscribe(subscriber);
  return broker;
}

function publishAll(broker: MemoryBroker, destination: string, bodies: string[]): number[] {
  return bodies.map((body) => broker.publish(textMessage(destination, body)));
}

function headerOf(subscriber: FakeSubscriber, index: number, name: string): string | undefined {
  return subscriber.deliveries[index]?.message.headers.find(([header]) => header === name)?.[1];
}

describe('topics', () => {
  test('every subscriber, by name or pattern, gets each message in publish order, without settle', () => {
    const subscribers = [
      new FakeSubscriber('/topic/price'),
      new FakeSubscriber('/topic/price'),
      new FakeSubscriber('/topic/*'),
    ];
    const broker = brokerWith(subscribers);
    assert.deepEqual(publishAll(broker, '/topic/price', ['1', '2', '3']), [3, 3, 3]);
    for (const subscriber of subscribers) {
      assert.deepEqual(subscriber.bodies, ['1', '2', '3']);
      assert.ok(subscriber.deliveries.every((delivery) => delivery.settle === undefined));
    }
    assert.equal(broker.publish(textMessage('/topic/other', 'x')), 1);
    assert.equal(broker.publish(textMessage('/topic/a/b', 'x')), 0);
    const stats = broker.stats();
    assert.equal(stats.published, 5);
    assert.equal(stats.delivered, 10);
    assert.equal(stats.topicSubscriptions, 3);
    assert.equal(stats.queued, 0);
  });

  test('patterns with both separators: "*" is one segment, "**" any depth', () => {
    const oneDot = new FakeSubscriber('/topic/price.*');
    const anyDot = new FakeSubscriber('/topic/price.**');
    const stocks = new FakeSubscriber('/topic/price.st*');
    const all = new FakeSubscriber('/topic/**');
    const oneSlash = new FakeSubscriber('/topic/*');
    const broker = brokerWith([oneDot, anyDot, stocks, all, oneSlash]);
    publishAll(broker, '/topic/price.abc', ['abc']);
    publishAll(broker, '/topic/price.a.b', ['a.b']);
    publishAll(broker, '/topic/price.stock', ['stock']);
    publishAll(broker, '/topic/price/abc', ['slash']);
    publishAll(broker, '/topic/price', ['price']);
    assert.deepEqual(oneDot.bodies, ['abc', 'stock']);
    assert.deepEqual(anyDot.bodies, ['abc', 'a.b', 'stock', 'price']);
    assert.deepEqual(stocks.bodies, ['stock']);
    assert.deepEqual(all.bodies, ['abc', 'a.b', 'stock', 'slash', 'price']);
    assert.deepEqual(oneSlash.bodies, ['price']);
  });

  test('"/topicx" is not under "/topic"; "/topic.x" is', () => {
    const broker = new MemoryBroker();
    assert.equal(broker.handles('/topic.x'), true);
    assert.equal(broker.handles('/topic'), true);
    assert.equal(broker.handles('/topicx'), false);
    assert.equal(broker.handles('/queuex/a'), false);
    assert.equal(broker.handles('/app/a'), false);
    assert.equal(broker.handles(''), false);
  });

  test('a subscriber unsubscribed inside a delivery gets nothing more, even of that message', () => {
    const first = new FakeSubscriber('/topic/a');
    const second = new FakeSubscriber('/topic/a');
    const broker = brokerWith([first, second]);
    first.onDeliver = () => {
      broker.unsubscribe(second);
      broker.unsubscribe(first);
    };
    assert.equal(broker.publish(textMessage('/topic/a', '1')), 1);
    broker.publish(textMessage('/topic/a', '2'));
    assert.deepEqual(first.bodies, ['1']);
    assert.deepEqual(second.bodies, []);
    assert.equal(broker.stats().topicNames, 0);
  });

  test('a publish inside a delivery goes out after the message being delivered, to everyone', () => {
    const first = new FakeSubscriber('/topic/a');
    const second = new FakeSubscriber('/topic/**');
    const broker = brokerWith([first, second]);
    first.onDeliver = ({ message }) => {
      if (message.body === '1') assert.equal(broker.publish(textMessage('/topic/a', '2')), 2);
    };
    assert.equal(broker.publish(textMessage('/topic/a', '1')), 2);
    assert.deepEqual(first.bodies, ['1', '2']);
    assert.deepEqual(second.bodies, ['1', '2']);
  });

  test('topics deliver whether or not the subscriber is ready (the connection applies its slow-subscriber policy)', () => {
    const subscriber = new FakeSubscriber('/topic/a');
    subscriber.ready = false;
    const broker = brokerWith([subscriber]);
    assert.equal(broker.publish(textMessage('/topic/a', '1')), 1);
    broker.resume(subscriber);
    assert.deepEqual(subscriber.bodies, ['1']);
  });

  test('a subscriber that throws does not keep the message from the others; publish rethrows after', () => {
    const failing = new FakeSubscriber('/topic/a');
    const other = new FakeSubscriber('/topic/a');
    const broker = brokerWith([failing, other]);
    failing.onDeliver = () => {
      throw new Error('boom');
    };
    assert.throws(() => broker.publish(textMessage('/topic/a', '1')), /boom/);
    assert.deepEqual(other.bodies, ['1']);
    failing.onDeliver = undefined;
    assert.equal(broker.publish(textMessage('/topic/a', '2')), 2);
  });
});

describe('queues', () => {
  test('each message goes to one consumer, round robin, with a settle callback', () => {
    const consumers = [new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q')];
    const broker = brokerWith(consumers);
    assert.deepEqual(publishAll(broker, '/queue/q', ['1', '2', '3', '4', '5', '6']), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(
      consumers.map((consumer) => consumer.bodies),
      [
        ['1', '4'],
        ['2', '5'],
        ['3', '6'],
      ],
    );
    assert.ok(consumers.every((consumer) => consumer.deliveries.every((delivery) => delivery.settle !== undefined)));
    assert.equal(broker.stats().queueSubscriptions, 3);
  });

  test('consumers not ready are passed over', () => {
    const [a, b, c] = [new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q')];
    const broker = brokerWith([a, b, c]);
    b.ready = false;
    publishAll(broker, '/queue/q', ['1', '2', '3', '4']);
    assert.deepEqual([a.bodies, b.bodies, c.bodies], [['1', '3'], [], ['2', '4']]);
  });

  test('with no ready consumer messages wait, then go out in order on resume', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const broker = brokerWith([consumer]);
    consumer.ready = false;
    assert.deepEqual(publishAll(broker, '/queue/q', ['1', '2', '3']), [0, 0, 0]);
    assert.equal(broker.stats().queued, 3);
    broker.resume(consumer);
    assert.deepEqual(consumer.bodies, [], 'resume with ready still false hands nothing');
    consumer.ready = true;
    broker.resume(consumer);
    assert.deepEqual(consumer.bodies, ['1', '2', '3']);
    assert.equal(broker.publish(textMessage('/queue/q', '4')), 1);
    assert.deepEqual(consumer.bodies, ['1', '2', '3', '4']);
    assert.equal(broker.stats().queued, 0);
  });

  test('messages published before any consumer go to the first one to subscribe', () => {
    const broker = new MemoryBroker();
    publishAll(broker, '/queue/q', ['1', '2']);
    assert.equal(broker.stats().queues, 1);
    const consumer = new FakeSubscriber('/queue/q');
    broker.subscribe(consumer);
    assert.deepEqual(consumer.bodies, ['1', '2']);
  });

  test('a consumer that stops being ready mid-way keeps the rest waiting, in order', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const broker = new MemoryBroker();
    publishAll(broker, '/queue/q', ['1', '2', '3', '4']);
    consumer.onDeliver = () => {
      if (consumer.deliveries.length === 2) consumer.ready = false;
    };
    broker.subscribe(consumer);
    assert.deepEqual(consumer.bodies, ['1', '2']);
    consumer.ready = true;
    broker.resume(consumer);
    assert.deepEqual(consumer.bodies, ['1', '2', '3', '4']);
  });

  test('a nacked message goes to another ready consumer, marked redelivered', () => {
    const [a, b] = [new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q')];
    const broker = brokerWith([a, b]);
    publishAll(broker, '/queue/q', ['1']);
    assert.deepEqual(a.bodies, ['1']);
    a.settle(0, 'nack');
    assert.deepEqual(b.bodies, ['1']);
    assert.equal(headerOf(b, 0, 'redelivered'), 'true');
    assert.equal(headerOf(a, 0, 'redelivered'), undefined);
    assert.equal(b.deliveries[0]?.message.messageId, a.deliveries[0]?.message.messageId);
    assert.equal(broker.stats().redelivered, 1);
    b.settle(0, 'nack');
    assert.deepEqual(a.bodies, ['1', '1'], 'and back to the first when it is the other one');
  });

  test('a nacked message goes back to the front, before those waiting, the nacked in publish order', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const broker = brokerWith([consumer]);
    publishAll(broker, '/queue/q', ['1', '2', '3']);
    consumer.ready = false;
    publishAll(broker, '/queue/q', ['4', '5']);
    consumer.settle(2, 'nack');
    consumer.settle(0, 'nack');
    consumer.settle(1, 'ack');
    assert.equal(broker.stats().queued, 4);
    consumer.ready = true;
    broker.resume(consumer);
    assert.deepEqual(consumer.bodies, ['1', '2', '3', '1', '3', '4', '5']);
  });

  test('the only consumer, ready, gets its nacked message again', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const broker = brokerWith([consumer]);
    publishAll(broker, '/queue/q', ['1', '2']);
    consumer.settle(0, 'nack');
    assert.deepEqual(consumer.bodies, ['1', '2', '1']);
  });

  test('settle twice: the first outcome wins', () => {
    const [a, b] = [new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q')];
    const broker = brokerWith([a, b]);
    publishAll(broker, '/queue/q', ['1', '2']);
    a.settle(0, 'ack');
    a.settle(0, 'nack');
    b.settle(0, 'nack');
    b.settle(0, 'nack');
    b.settle(0, 'ack');
    assert.deepEqual([a.bodies, b.bodies], [['1', '2'], ['2']]);
    assert.equal(broker.stats().redelivered, 1);
    assert.equal(broker.stats().queued, 0);
  });

  test('a message nacked after its queue lost its consumers waits for the next one', () => {
    const first = new FakeSubscriber('/queue/q');
    const broker = brokerWith([first]);
    publishAll(broker, '/queue/q', ['1']);
    broker.unsubscribe(first);
    assert.equal(broker.stats().queues, 0);
    first.settle(0, 'nack');
    assert.equal(broker.stats().queued, 1);
    assert.equal(broker.stats().queues, 1);
    const next = new FakeSubscriber('/queue/q');
    broker.subscribe(next);
    assert.deepEqual(next.bodies, ['1']);
    assert.equal(headerOf(next, 0, 'redelivered'), 'true');
  });

  test('a queue at maxQueuedMessages refuses a new message from outside with ERR_STOMP_LIMIT, and counts it', () => {
    const drops: string[] = [];
    const broker = new MemoryBroker({ maxQueuedMessages: 2, onDrop: (message) => drops.push(message.body) });
    assert.deepEqual(publishAll(broker, '/queue/q', ['1', '2']), [0, 0]);
    assertThrowsCode(
      () => broker.publish(textMessage('/queue/q', '3')),
      'ERR_STOMP_LIMIT',
      /: \/queue\/q: its queue holds 2 messages \(maxQueuedMessages\)$/,
    );
    const stats = broker.stats();
    assert.equal(stats.queueOverflows, 1);
    assert.equal(stats.queued, 2);
    assert.equal(stats.published, 3);
    assert.deepEqual(drops, [], 'the caller heard of it: onDrop is not told too');
    const consumer = new FakeSubscriber('/queue/q');
    broker.subscribe(consumer);
    assert.deepEqual(consumer.bodies, ['1', '2']);
  });

  test('past maxQueues a message to a new queue is refused and counted; known queues go on', () => {
    const broker = new MemoryBroker({ maxQueues: 2 });
    assert.equal(broker.publish(textMessage('/queue/a', '1')), 0);
    assert.equal(broker.publish(textMessage('/queue/b', '1')), 0);
    assertThrowsCode(
      () => broker.publish(textMessage('/queue/c', '1')),
      'ERR_STOMP_LIMIT',
      /: \/queue\/c: 2 queues exist \(maxQueues\)$/,
    );
    assert.equal(broker.stats().queueOverflows, 1);
    assert.equal(broker.stats().queues, 2);
    assert.equal(broker.stats().queued, 2, 'the known queues kept theirs');
    broker.publish(textMessage('/queue/a', '2'));
    assert.equal(broker.stats().queued, 3);
  });

  test('a message dropped by a publish inside a delivery goes to onDrop; nothing throws', () => {
    const drops: string[] = [];
    const broker = new MemoryBroker({
      maxQueuedMessages: 1,
      maxQueues: 1,
      onDrop: (message, reason) => drops.push(`${message.destination} ${message.body} ${reason}`),
    });
    const relay = new FakeSubscriber('/topic/in');
    broker.subscribe(relay);
    const counts: number[] = [];
    relay.onDeliver = ({ message }) => {
      counts.push(broker.publish(textMessage('/queue/q', message.body)));
      counts.push(broker.publish(textMessage('/queue/other', message.body)));
    };
    assert.equal(broker.publish(textMessage('/topic/in', '1')), 1);
    assert.equal(broker.publish(textMessage('/topic/in', '2')), 1);
    assert.deepEqual(counts, [0, 0, 0, 0]);
    assert.deepEqual(drops, [
      '/queue/other 1 1 queues exist (maxQueues)',
      '/queue/q 2 its queue holds 1 messages (maxQueuedMessages)',
      '/queue/other 2 1 queues exist (maxQueues)',
    ]);
    assert.equal(broker.stats().queueOverflows, 3);
    assert.equal(broker.stats().queued, 1);
  });

  test('a nacked message is never dropped, even past maxQueuedMessages', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const broker = brokerWith([consumer], { maxQueuedMessages: 1 });
    publishAll(broker, '/queue/q', ['1']);
    consumer.ready = false;
    publishAll(broker, '/queue/q', ['2']);
    consumer.settle(0, 'nack');
    assert.equal(broker.stats().queued, 2);
    assert.equal(broker.stats().queueOverflows, 0);
  });

  test('a consumer unsubscribing inside its delivery passes the rest on to the others', () => {
    const [a, b] = [new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q')];
    const broker = new MemoryBroker();
    publishAll(broker, '/queue/q', ['1', '2', '3']);
    a.onDeliver = (delivery) => {
      // As the connection does on close: mark not ready, nack what is held, unsubscribe.
      a.ready = false;
      delivery.settle?.('nack');
      broker.unsubscribe(a);
    };
    broker.subscribe(a);
    broker.subscribe(b);
    assert.deepEqual(a.bodies, ['1']);
    assert.deepEqual(b.bodies, ['1', '2', '3']);
    assert.equal(broker.stats().queueSubscriptions, 1);
  });

  test('settle and resume inside deliver loop without recursion, over many messages', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const count = 20_000;
    const broker = new MemoryBroker({ maxQueuedMessages: count });
    for (let i = 0; i < count; i++) broker.publish(textMessage('/queue/q', String(i)));
    consumer.onDeliver = (delivery) => {
      delivery.settle?.('ack');
      broker.resume(consumer);
    };
    broker.subscribe(consumer);
    assert.equal(consumer.deliveries.length, count);
    assert.equal(consumer.bodies.at(-1), String(count - 1));
  });

  test('a sole consumer nacking inside its own delivery does not spin: the message waits', () => {
    const consumer = new FakeSubscriber('/queue/q');
    const broker = brokerWith([consumer]);
    consumer.onDeliver = (delivery) => delivery.settle?.('nack');
    assert.equal(broker.publish(textMessage('/queue/q', '1')), 1);
    assert.equal(consumer.deliveries.length, 1);
    assert.equal(broker.stats().queued, 1);
    consumer.onDeliver = undefined;
    broker.resume(consumer);
    assert.deepEqual(consumer.bodies, ['1', '1']);
  });

  test('a message dropped unread inside deliver goes to the other consumer at once', () => {
    const [a, b] = [new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q')];
    const broker = brokerWith([a, b]);
    a.onDeliver = (delivery) => delivery.settle?.('nack');
    b.onDeliver = (delivery) => delivery.settle?.('nack');
    publishAll(broker, '/queue/q', ['1']);
    assert.deepEqual([a.bodies, b.bodies], [['1'], ['1']], 'each tried once, then it waits');
    assert.equal(broker.stats().queued, 1);
  });

  test('a queue publish inside a delivery goes out after it; publish says what it foresees', () => {
    const [a, b] = [new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q')];
    const broker = brokerWith([a, b]);
    const counts: number[] = [];
    a.onDeliver = ({ message }) => {
      if (message.body === '1') counts.push(broker.publish(textMessage('/queue/q', '2')));
      assert.deepEqual(b.bodies, [], 'nothing else is handed out during a delivery');
    };
    assert.equal(broker.publish(textMessage('/queue/q', '1')), 1);
    assert.deepEqual(counts, [1]);
    assert.deepEqual([a.bodies, b.bodies], [['1'], ['2']]);
  });

  test('a delivery that throws counts as a nack; publish rethrows', () => {
    const [a, b] = [new FakeSubscriber('/queue/q'), new FakeSubscriber('/queue/q')];
    const broker = brokerWith([a, b]);
    a.onDeliver = () => {
      throw new Error('boom');
    };
    assert.throws(() => broker.publish(textMessage('/queue/q', '1')), /boom/);
    assert.deepEqual(b.bodies, ['1']);
  });
});

describe('subscriptions', () => {
  test('unsubscribe is idempotent; resume and unsubscribe of a stranger do nothing', () => {
    const subscriber = new FakeSubscriber('/queue/q');
    const broker = brokerWith([subscriber]);
    broker.unsubscribe(subscriber);
    broker.unsubscribe(subscriber);
    broker.resume(subscriber);
    broker.unsubscribe(new FakeSubscriber('/topic/a'));
    assert.equal(broker.stats().queueSubscriptions, 0);
  });

  test('the same subscriber twice is refused', () => {
    const subscriber = new FakeSubscriber('/topic/a');
    const broker = brokerWith([subscriber]);
    assertThrowsCode(() => broker.subscribe(subscriber), 'ERR_STOMP_SUBSCRIPTION', /already/);
  });

  test('10k subscribe/unsubscribe leave no topic name, pattern or queue behind', () => {
    const broker = new MemoryBroker();
    for (let i = 0; i < 10_000; i++) {
      const destinations = [`/topic/t${i}`, `/topic/p${i}.*`, `/queue/q${i}`];
      const subscribers = destinations.map((destination) => new FakeSubscriber(destination));
      for (const subscriber of subscribers) broker.subscribe(subscriber);
      broker.publish(textMessage(`/topic/t${i}`, 'x'));
      broker.publish(textMessage(`/queue/q${i}`, 'x'));
      subscribers[2]?.settle(0, 'ack');
      for (const subscriber of subscribers) broker.unsubscribe(subscriber);
    }
    const stats = broker.stats();
    assert.deepEqual(
      [stats.topicNames, stats.topicPatterns, stats.queues, stats.topicSubscriptions, stats.queueSubscriptions],
      [0, 0, 0, 0, 0],
    );
    assert.equal(stats.queued, 0);
  });

  test('bad destinations are refused with ERR_STOMP_DESTINATION', () => {
    const broker = new MemoryBroker();
    const cases: [string, RegExp][] = [
      ['/app/a', /under no broker prefix \(\/topic, \/queue\)/],
      ['/topicx/a', /under no broker prefix/],
      ['topic/a', /start with "\/"/],
      ['', /empty/],
      ['/queue/*', /queue destinations are exact names/],
      ['/queue/**', /is a pattern/],
      [`/topic/${'x'.repeat(2000)}`, /longer than 1024/],
    ];
    for (const [destination, message] of cases) {
      assertThrowsCode(() => broker.subscribe(new FakeSubscriber(destination)), 'ERR_STOMP_DESTINATION', message);
    }
    assertThrowsCode(() => broker.publish(textMessage('/app/a', 'x')), 'ERR_STOMP_DESTINATION', /no broker prefix/);
    assertThrowsCode(() => broker.publish(textMessage('/topic/*', 'x')), 'ERR_STOMP_DESTINATION', /is a pattern/);
    assertThrowsCode(() => broker.publish(textMessage('/topic/\0', 'x')), 'ERR_STOMP_DESTINATION', /NUL/);
    const stats = broker.stats();
    assert.deepEqual([stats.published, stats.topicSubscriptions, stats.queueSubscriptions], [0, 0, 0]);
  });
});

describe('options', () => {
  test('defaults', () => {
    assert.deepEqual(MEMORY_BROKER_DEFAULTS, {
      topicPrefixes: ['/topic'],
      queuePrefixes: ['/queue'],
      maxQueuedMessages: 10_000,
      maxDestinationLength: 1024,
      maxQueues: 10_000,
      maxQueuedBytes: 8 * 1024 * 1024,
      maxBrokerQueuedBytes: 64 * 1024 * 1024,
      onDrop: undefined,
    });
    assert.equal(QUEUED_MESSAGE_OVERHEAD_BYTES, 256);
    assert.ok(Object.isFrozen(MEMORY_BROKER_DEFAULTS) && Object.isFrozen(MEMORY_BROKER_DEFAULTS.topicPrefixes));
  });

  test('other prefixes', () => {
    const broker = new MemoryBroker({ topicPrefixes: ['/exchange', '/topic'], queuePrefixes: ['/work.jobs'] });
    assert.equal(broker.handles('/exchange/a'), true);
    assert.equal(broker.handles('/work.jobs.a'), true);
    assert.equal(broker.handles('/work/jobs'), false);
    assert.equal(broker.handles('/queue/a'), false);
    const consumer = new FakeSubscriber('/work.jobs.a');
    broker.subscribe(consumer);
    broker.publish(textMessage('/work.jobs.a', '1'));
    assert.ok(consumer.deliveries[0]?.settle !== undefined, 'a queue delivery');
  });

  test('bad options are refused with ERR_INVALID_OPTION, saying what is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [{ topicPrefixes: [] }, /topicPrefixes must be a non-empty array/],
      [{ queuePrefixes: '/queue' }, /queuePrefixes must be a non-empty array/],
      [{ topicPrefixes: [42] }, /must hold strings only/],
      [{ topicPrefixes: ['topic'] }, /"topic" must start with "\/"/],
      [{ topicPrefixes: ['/topic/'] }, /"\/topic\/" must not end with/],
      [{ topicPrefixes: ['/'] }, /must not end with/],
      [{ queuePrefixes: ['/q*'] }, /must not contain "\*"/],
      [{ topicPrefixes: ['/a'], queuePrefixes: ['/a/q'] }, /"\/a" and queue prefix "\/a\/q" overlap/],
      [{ topicPrefixes: ['/a.b'], queuePrefixes: ['/a'] }, /overlap/],
      [{ topicPrefixes: ['/q'], queuePrefixes: ['/q'] }, /overlap/],
      [{ maxQueuedMessages: 0 }, /maxQueuedMessages must be a positive integer/],
      [{ maxQueuedMessages: 1.5 }, /maxQueuedMessages/],
      [{ maxDestinationLength: -1 }, /maxDestinationLength/],
      [{ maxQueuedMesages: 5 }, /unknown option "maxQueuedMesages" \(did you mean "maxQueuedMessages"\?\)/],
      [{ maxQueuedBytes: 0 }, /maxQueuedBytes must be a positive integer/],
      [{ maxQueuedBytes: '1024' }, /maxQueuedBytes must be a positive integer/],
      [{ maxBrokerQueuedBytes: 1.5 }, /maxBrokerQueuedBytes must be a positive integer/],
      [{ maxBrokerQueuedBytes: Number.POSITIVE_INFINITY }, /maxBrokerQueuedBytes/],
      [{ maxQueueBytes: 5 }, /unknown option "maxQueueBytes"/],
    ];
    for (const [options, message] of cases) {
      assertThrowsCode(() => new MemoryBroker(options as MemoryBrokerOptions), 'ERR_INVALID_OPTION', message);
    }
    assert.doesNotThrow(() => new MemoryBroker({ topicPrefixes: ['/topic'], queuePrefixes: ['/topicx'] }));
  });
});
