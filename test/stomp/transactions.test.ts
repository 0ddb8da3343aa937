/**
 * Transactions: SENDs and ACKs between BEGIN and COMMIT take effect at the COMMIT, in order; ABORT
 * and a DISCONNECT (or a lost connection) with the transaction open discard them. Raw frames, and
 * stompjs's begin()/commit() over a plain websocket and SockJS xhr-streaming.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerValue, StompjsSession, useStompServer, type RawStomp } from '../support/stomp';
import {
  bodies,
  messagesOf,
  rawSession,
  rawSubscribe,
  unique,
  waitForMessages,
  withReceipt,
} from '../support/stomp-e2e';

const started = useStompServer({ heartBeat: [0, 0] });

/** A subscriber of a fresh topic and a publisher. */
async function topicPair(): Promise<{ topic: string; subscriber: RawStomp; publisher: RawStomp }> {
  const running = started.running();
  const topic = `/topic/${unique('tx')}`;
  const subscriber = await rawSession(running, started.resources);
  await rawSubscribe(subscriber, 's', topic);
  const publisher = await rawSession(running, started.resources);
  return { topic, subscriber, publisher };
}

/** A message sent outside any transaction, awaited at the subscriber: what came before it has come. */
async function marker(publisher: RawStomp, subscriber: RawStomp, topic: string, body: string): Promise<void> {
  await withReceipt(publisher, 'SEND', { destination: topic }, body);
  await subscriber.frames.waitFor((frame) => frame.command === 'MESSAGE' && frame.body === body, `the marker ${body}`);
}

describe('transactions, raw frames', () => {
  test('SENDs inside take effect at COMMIT only, then all of them in order', async () => {
    const { topic, subscriber, publisher } = await topicPair();
    await withReceipt(publisher, 'BEGIN', { transaction: 't1' });
    for (const body of ['1', '2', '3'])
      await withReceipt(publisher, 'SEND', { destination: topic, transaction: 't1' }, body);
    await marker(publisher, subscriber, topic, 'before-commit');
    assert.deepEqual(bodies(messagesOf(subscriber)), ['before-commit'], 'nothing of the transaction yet');
    await withReceipt(publisher, 'COMMIT', { transaction: 't1' });
    const all = await waitForMessages(subscriber, 4, 'the committed three');
    assert.deepEqual(bodies(all), ['before-commit', '1', '2', '3']);
    for (const frame of all) assert.equal(headerValue(frame, 'transaction'), undefined, 'no transaction header out');
  });

  test('ABORT discards the transaction', async () => {
    const { topic, subscriber, publisher } = await topicPair();
    await withReceipt(publisher, 'BEGIN', { transaction: 't2' });
    await withReceipt(publisher, 'SEND', { destination: topic, transaction: 't2' }, 'aborted');
    await withReceipt(publisher, 'ABORT', { transaction: 't2' });
    await marker(publisher, subscriber, topic, 'after-abort');
    assert.deepEqual(bodies(messagesOf(subscriber)), ['after-abort']);
    publisher.send('COMMIT', { transaction: 't2', receipt: 'late' });
    const error = await publisher.frames.waitFor((f) => f.command === 'ERROR', 'the ERROR for a COMMIT of t2');
    assert.equal(headerValue(error, 'receipt-id'), 'late');
    assert.match(headerValue(error, 'message') ?? '', /t2/);
  });

  test('DISCONNECT with a transaction open discards it', async () => {
    const { topic, subscriber, publisher } = await topicPair();
    await withReceipt(publisher, 'BEGIN', { transaction: 't3' });
    await withReceipt(publisher, 'SEND', { destination: topic, transaction: 't3' }, 'never');
    publisher.send('DISCONNECT', { receipt: 'bye' });
    await publisher.frames.waitFor((f) => headerValue(f, 'receipt-id') === 'bye', 'the DISCONNECT receipt');
    await publisher.ws.waitForClose();
    const other = await rawSession(started.running(), started.resources);
    await marker(other, subscriber, topic, 'after-disconnect');
    assert.deepEqual(bodies(messagesOf(subscriber)), ['after-disconnect']);
  });

  test('an ACK inside a transaction settles the message at COMMIT, not before', async () => {
    const running = started.running();
    const queue = `/queue/${unique('txack')}`;
    const consumer = await rawSession(running, started.resources);
    const standby = await rawSession(running, started.resources);
    const publisher = await rawSession(running, started.resources);
    await rawSubscribe(consumer, 'c', queue, { ack: 'client-individual' });
    await withReceipt(publisher, 'SEND', { destination: queue }, 'uncommitted');
    await withReceipt(publisher, 'SEND', { destination: queue }, 'committed');
    const [first, second] = await waitForMessages(consumer, 2, 'two queue messages');
    await withReceipt(consumer, 'BEGIN', { transaction: 'a1' });
    await withReceipt(consumer, 'ACK', { id: headerValue(first!, 'ack')!, transaction: 'a1' });
    await withReceipt(consumer, 'BEGIN', { transaction: 'a2' });
    await withReceipt(consumer, 'ACK', { id: headerValue(second!, 'ack')!, transaction: 'a2' });
    await withReceipt(consumer, 'COMMIT', { transaction: 'a2' });
    await rawSubscribe(standby, 'c', queue, { ack: 'client-individual' });
    consumer.ws.terminate();
    const moved = await waitForMessages(standby, 1, 'the message whose ACK was never committed');
    await withReceipt(standby, 'SEND', { destination: '/topic/flush' });
    assert.deepEqual(bodies(moved), ['uncommitted']);
    assert.equal(messagesOf(standby).length, 1, 'the committed ACK held');
  });
});

for (const transport of ['ws', 'xhr-streaming'] as const) {
  describe(`transactions, stompjs over ${transport}`, () => {
    test('begin(), publish in it, commit(): nothing before, everything after, in order', async () => {
      const running = started.running();
      const topic = `/topic/${unique('stompjs-tx')}`;
      const subscriber = await StompjsSession.connect(running, transport, started.resources);
      await subscriber.subscribed(topic);
      const publisher = await StompjsSession.connect(running, transport, started.resources);
      const tx = publisher.client.begin();
      for (let i = 0; i < 5; i++)
        publisher.client.publish({ destination: topic, body: `t${i}`, headers: { transaction: tx.id } });
      await publisher.publishWithReceipt(topic, 'outside');
      await subscriber.messages.waitForCount(1, 'the message outside the transaction');
      assert.deepEqual(bodies(subscriber.messages.items), ['outside']);
      tx.commit();
      const all = await subscriber.messages.waitForCount(6, 'the committed five');
      assert.deepEqual(bodies(all), ['outside', 't0', 't1', 't2', 't3', 't4']);
      const aborted = publisher.client.begin();
      publisher.client.publish({ destination: topic, body: 'aborted', headers: { transaction: aborted.id } });
      aborted.abort();
      await publisher.publishWithReceipt(topic, 'end');
      await subscriber.messages.waitForCount(7, 'the end marker');
      assert.deepEqual(bodies(subscriber.messages.items).slice(6), ['end']);
    });
  });
}
