/**
 * The in-memory broker end to end, with real clients: topics fan out to every subscriber in order
 * (stompjs over a plain websocket and over SockJS xhr-streaming), destination patterns, the MESSAGE
 * frame's headers (raw frames), queues round robin to one consumer each, and the stats that count it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerValue, StompjsSession, useStompServer, type StompjsTransport } from '../support/stomp';
import { until } from '../support/wait';
import {
  bodies,
  messagesOf,
  numbered,
  rawSession,
  rawSubscribe,
  unique,
  waitForMessages,
  withReceipt,
} from '../support/stomp-e2e';

const TRANSPORTS: StompjsTransport[] = ['ws', 'xhr-streaming'];

const started = useStompServer({ heartBeat: [0, 0] });

for (const transport of TRANSPORTS) {
  describe(`topics and queues, stompjs over ${transport}`, () => {
    test('a topic fans out to every subscriber, in publish order for each', async () => {
      const running = started.running();
      const topic = `/topic/${unique('fan')}`;
      const subscribers = await Promise.all(
        [1, 2, 3].map(() => StompjsSession.connect(running, transport, started.resources)),
      );
      for (const subscriber of subscribers) await subscriber.subscribed(topic);
      const publisher = await StompjsSession.connect(running, transport, started.resources);
      const sent = numbered('m', 40);
      for (const body of sent) publisher.client.publish({ destination: topic, body });
      for (const subscriber of subscribers) {
        const got = await subscriber.messages.waitForCount(40, `40 messages of ${topic}`);
        assert.deepEqual(bodies(got), sent);
      }
      await publisher.publishWithReceipt(topic, 'last');
      for (const subscriber of subscribers) {
        await subscriber.messages.waitForCount(41, 'the last one');
        assert.equal(subscriber.messages.items.length, 41, 'nothing twice');
      }
    });

    test('a queue gives each message to exactly one consumer, round robin', async () => {
      const running = started.running();
      const queue = `/queue/${unique('rr')}`;
      const consumers = await Promise.all(
        [1, 2, 3].map(() => StompjsSession.connect(running, transport, started.resources)),
      );
      for (const consumer of consumers) await consumer.subscribed(queue);
      const publisher = await StompjsSession.connect(running, transport, started.resources);
      const sent = numbered('q', 30);
      for (const body of sent) await publisher.publishWithReceipt(queue, body);
      for (const consumer of consumers) await consumer.messages.waitForCount(10, `10 messages of ${queue} each`);
      const received = consumers.flatMap((consumer) => bodies(consumer.messages.items));
      assert.deepEqual([...received].sort(), [...sent].sort(), 'every message once, none twice');
      for (const consumer of consumers) {
        const mine = bodies(consumer.messages.items);
        assert.equal(mine.length, 10, 'an even share');
        const indexes = mine.map((body) => Number(body.slice(1)));
        for (let i = 1; i < indexes.length; i++) {
          assert.equal((indexes[i] as number) - (indexes[i - 1] as number), 3, `round robin: ${mine.join(',')}`);
        }
      }
    });
  });
}

describe('destination patterns', () => {
  test('/topic/price.* takes one dot segment, /topic/** everything, /topic/a/* one slash segment', async () => {
    const running = started.running();
    const raw = await rawSession(running, started.resources);
    await rawSubscribe(raw, 'star', '/topic/price.*');
    await rawSubscribe(raw, 'all', '/topic/**');
    await rawSubscribe(raw, 'slash', '/topic/a/*');
    await rawSubscribe(raw, 'deep', '/topic/a/**');
    const destinations = ['/topic/price.abc', '/topic/price.a.b', '/topic/price/abc', '/topic/a/b', '/topic/a/b/c'];
    const publisher = await rawSession(running, started.resources);
    for (const destination of destinations) await withReceipt(publisher, 'SEND', { destination }, destination);
    await waitForMessages(raw, destinations.length, 'every destination on /topic/**', 'all');
    await withReceipt(raw, 'SEND', { destination: '/topic/flush' }, 'flush');
    const seen = (id: string): string[] => bodies(messagesOf(raw, id)).filter((body) => body !== 'flush');
    assert.deepEqual(seen('star'), ['/topic/price.abc']);
    assert.deepEqual(seen('all'), destinations);
    assert.deepEqual(seen('slash'), ['/topic/a/b']);
    assert.deepEqual(seen('deep'), ['/topic/a/b', '/topic/a/b/c']);
  });
});

describe('the MESSAGE frame (STOMP 1.2)', () => {
  test('destination, subscription, a unique message-id, content-type, content-length; ack in client modes only', async () => {
    const running = started.running();
    const raw = await rawSession(running, started.resources);
    const topic = `/topic/${unique('headers')}`;
    await rawSubscribe(raw, 'auto', topic);
    await rawSubscribe(raw, 'client', topic, { ack: 'client' });
    await rawSubscribe(raw, 'individual', topic, { ack: 'client-individual' });
    await withReceipt(raw, 'SEND', { destination: topic, 'content-type': 'application/json' }, '{"a":"é"}');
    await withReceipt(raw, 'SEND', { destination: topic }, 'plain');
    const frames = await waitForMessages(raw, 6, 'two messages on three subscriptions');
    for (const frame of frames) {
      assert.equal(headerValue(frame, 'destination'), topic);
      assert.ok(['auto', 'client', 'individual'].includes(headerValue(frame, 'subscription') ?? ''));
      assert.equal(headerValue(frame, 'content-length'), String(Buffer.byteLength(frame.body)));
      assert.equal(headerValue(frame, 'ack') !== undefined, headerValue(frame, 'subscription') !== 'auto');
    }
    const json = frames.filter((frame) => frame.body.startsWith('{'));
    assert.equal(headerValue(json[0] ?? frames[0]!, 'content-type'), 'application/json');
    assert.equal(headerValue(json[0]!, 'content-length'), '10', 'UTF-8 bytes, not characters');
    const plain = frames.find((frame) => frame.body === 'plain');
    assert.match(headerValue(plain!, 'content-type') ?? '', /^text\/plain/);
    const acks = frames.map((frame) => headerValue(frame, 'ack')).filter((ack) => ack !== undefined);
    assert.equal(new Set(acks).size, 4, 'every client-mode delivery has its own ack id');
    const ids = new Set(frames.map((frame) => headerValue(frame, 'message-id')));
    assert.equal(ids.size, 2, 'one message-id per published message, shared by its copies');
  });
});

describe('stats', () => {
  // A server of its own: other tests' subscriptions (a /topic/** one) would be counted too.
  const started = useStompServer({ heartBeat: [0, 0] });
  test('sessions, subscriptions, messagesOut and the broker counters follow what happens', async () => {
    const running = started.running();
    const before = running.stomp.stats();
    const a = await rawSession(running, started.resources);
    const b = await rawSession(running, started.resources);
    const topic = `/topic/${unique('stats')}`;
    await rawSubscribe(a, 's', topic);
    await rawSubscribe(b, 's', topic);
    let now = running.stomp.stats();
    assert.equal(now.sessions, before.sessions + 2);
    assert.equal(now.subscriptions, before.subscriptions + 2);
    assert.equal(now.broker.topicSubscriptions, before.broker.topicSubscriptions + 2);
    for (let i = 0; i < 5; i++) await withReceipt(a, 'SEND', { destination: topic }, `${i}`);
    await waitForMessages(b, 5, 'five messages');
    await waitForMessages(a, 5, 'five messages');
    now = running.stomp.stats();
    assert.equal(now.broker.published, before.broker.published + 5);
    assert.equal(now.broker.delivered, before.broker.delivered + 10);
    assert.equal(now.messagesOut, before.messagesOut + 10);
    await withReceipt(a, 'UNSUBSCRIBE', { id: 's' });
    assert.equal(running.stomp.stats().subscriptions, before.subscriptions + 1);
    await b.ws.close();
    await a.ws.close();
    await until(() => running.stomp.stats().sessions === before.sessions, 'both sessions to end on the server');
    const after = running.stomp.stats();
    assert.equal(after.sessions, before.sessions);
    assert.equal(after.subscriptions, before.subscriptions);
    assert.equal(after.broker.topicSubscriptions, before.broker.topicSubscriptions);
  });
});
