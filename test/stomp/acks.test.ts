/**
 * Client acknowledgement on queues, with raw frames (the `ack` ids matter): client-individual
 * messages not acknowledged go to another consumer on NACK, on UNSUBSCRIBE and when the consumer's
 * connection ends; a `client` ACK settles everything up to the message it names; a consumer at
 * `maxUnackedPerSubscription` is passed over until it ACKs. Also stompjs's own ack()/nack().
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StompFrame } from '../../protocol';
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
import { until } from '../support/wait';

const started = useStompServer({ heartBeat: [0, 0] });

function ackOf(frame: StompFrame): string {
  const ack = headerValue(frame, 'ack');
  assert.ok(ack, `an ack header on ${frame.body}`);
  return ack;
}

/** A publisher and two client-individual consumers of a fresh queue: `first` subscribed before `second`. */
async function twoConsumers(
  ack = 'client-individual',
): Promise<{ queue: string; first: RawStomp; second: RawStomp; publisher: RawStomp }> {
  const running = started.running();
  const queue = `/queue/${unique('acks')}`;
  const first = await rawSession(running, started.resources);
  const second = await rawSession(running, started.resources);
  const publisher = await rawSession(running, started.resources);
  await rawSubscribe(first, 'c', queue, { ack });
  return { queue, first, second, publisher };
}

describe('client-individual', () => {
  test('a NACKed message goes to the other consumer', async () => {
    const { queue, first, second, publisher } = await twoConsumers();
    await rawSubscribe(second, 'c', queue, { ack: 'client-individual' });
    await withReceipt(publisher, 'SEND', { destination: queue }, 'one');
    await until(() => messagesOf(first).length + messagesOf(second).length === 1, 'the message to one consumer');
    const [holder, other] = messagesOf(first).length === 1 ? [first, second] : [second, first];
    await withReceipt(holder, 'NACK', { id: ackOf(messagesOf(holder)[0]!) });
    const [again] = await waitForMessages(other, 1, 'the nacked message at the other consumer');
    assert.equal(again?.body, 'one');
    await withReceipt(other, 'ACK', { id: ackOf(again) });
    await withReceipt(holder, 'SEND', { destination: '/topic/flush' });
    assert.equal(messagesOf(holder).length, 1, 'not back to the consumer that nacked it');
  });

  test('unacknowledged messages go to another consumer when theirs disconnects', async () => {
    const { queue, first, second, publisher } = await twoConsumers();
    for (const body of ['a', 'b', 'c']) await withReceipt(publisher, 'SEND', { destination: queue }, body);
    const held = await waitForMessages(first, 3, 'three messages at the only consumer');
    await withReceipt(first, 'ACK', { id: ackOf(held[1]!) });
    await rawSubscribe(second, 'c', queue, { ack: 'client-individual' });
    first.ws.terminate();
    const moved = await waitForMessages(second, 2, 'the two unacknowledged ones');
    assert.deepEqual(bodies(moved), ['a', 'c'], 'in publish order, the acknowledged one not again');
  });

  test('unacknowledged messages go to another consumer on UNSUBSCRIBE', async () => {
    const { queue, first, second, publisher } = await twoConsumers();
    await withReceipt(publisher, 'SEND', { destination: queue }, 'x');
    await waitForMessages(first, 1, 'the message');
    await rawSubscribe(second, 'c', queue, { ack: 'client-individual' });
    await withReceipt(first, 'UNSUBSCRIBE', { id: 'c' });
    const [moved] = await waitForMessages(second, 1, 'the message after the unsubscribe');
    assert.equal(moved?.body, 'x');
    assert.ok(started.running().stomp.stats().broker.redelivered >= 1, 'counted as redelivered');
  });
});

describe('client (cumulative)', () => {
  test('an ACK settles every message up to the one it names, not those after it', async () => {
    const { queue, first, second, publisher } = await twoConsumers('client');
    for (const body of ['1', '2', '3', '4']) await withReceipt(publisher, 'SEND', { destination: queue }, body);
    const held = await waitForMessages(first, 4, 'four messages');
    await withReceipt(first, 'ACK', { id: ackOf(held[2]!) });
    await rawSubscribe(second, 'c', queue, { ack: 'client' });
    first.ws.terminate();
    await waitForMessages(second, 1, 'what the ACK did not cover');
    await withReceipt(second, 'SEND', { destination: '/topic/flush' });
    assert.deepEqual(bodies(messagesOf(second)), ['4']);
  });
});

describe('maxUnackedPerSubscription', () => {
  const limited = useStompServer({ heartBeat: [0, 0], maxUnackedPerSubscription: 2 });

  test('a consumer at its limit is passed over, and served again after it ACKs', async () => {
    const running = limited.running();
    const queue = `/queue/${unique('limit')}`;
    const a = await rawSession(running, limited.resources);
    const b = await rawSession(running, limited.resources);
    const publisher = await rawSession(running, limited.resources);
    await rawSubscribe(a, 'c', queue, { ack: 'client-individual' });
    for (const body of ['1', '2', '3', '4']) await withReceipt(publisher, 'SEND', { destination: queue }, body);
    await waitForMessages(a, 2, 'two messages, the limit');
    assert.equal(running.stomp.stats().broker.queued, 2, 'the other two wait');
    await rawSubscribe(b, 'c', queue, { ack: 'client-individual' });
    assert.deepEqual(bodies(await waitForMessages(b, 2, 'the waiting two')), ['3', '4']);
    await withReceipt(publisher, 'SEND', { destination: queue }, '5');
    assert.equal(running.stomp.stats().broker.queued, 1, 'both at their limit: it waits');
    await withReceipt(b, 'SEND', { destination: '/topic/flush' });
    assert.equal(messagesOf(a).length + messagesOf(b).length, 4);
    await withReceipt(a, 'ACK', { id: ackOf(messagesOf(a)[0]!) });
    const after = await waitForMessages(a, 3, 'the fifth, once a had room');
    assert.equal(after[2]?.body, '5');
    assert.equal(messagesOf(b).length, 2);
  });
});

describe('stompjs ack() and nack()', () => {
  test('message.nack() sends the message to the other consumer; ack() settles it', async () => {
    const runningServer = started.running();
    const queue = `/queue/${unique('stompjs')}`;
    const a = await StompjsSession.connect(runningServer, 'ws', started.resources);
    const b = await StompjsSession.connect(runningServer, 'xhr-streaming', started.resources);
    await a.subscribed(queue, { ack: 'client-individual' });
    const publisher = await StompjsSession.connect(runningServer, 'ws', started.resources);
    await publisher.publishWithReceipt(queue, 'hello');
    const first = await a.messages.waitFor(() => true, 'the message at a');
    await b.subscribed(queue, { ack: 'client-individual' });
    first.nack();
    const moved = await b.messages.waitFor(() => true, 'the message at b after the nack');
    assert.equal(moved.body, 'hello');
    moved.ack();
    await b.publishWithReceipt('/topic/flush', '');
    await until(() => runningServer.stomp.stats().broker.queued === 0, 'nothing waiting');
  });
});
