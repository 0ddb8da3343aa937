/**
 * A slow subscriber: a raw websocket client that stops reading (its socket paused), with a small
 * endpoint `sendHighWaterMark` and small outbound buffer bounds. Policy `close` ends that session
 * (counted in `slowSubscriberCloses`); `drop-oldest` drops MESSAGE frames (counted) and the session
 * lives on, what it does get still in order. Meanwhile a fast subscriber of the same topic gets
 * every message, in order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Resources } from '../support/resources';
import type { RawStomp, StompTestServer } from '../support/stomp';
import { headerValue, useStompServer } from '../support/stomp';
import { messagesOf, rawSession, rawSubscribe, unique, waitForMessages, withReceipt } from '../support/stomp-e2e';

const LIMITS = { heartBeat: [0, 0] as const, maxBufferedMessages: 16, maxBufferedBytes: 64 * 1024 };
const ENDPOINT = { sendHighWaterMark: 1024 };
const PADDING = 'x'.repeat(4000);
/** Enough to fill the loopback socket buffers many times over (each message is ~4 KB). */
const MAX_MESSAGES = 6000;
const BATCH = 50;

function indexOf(body: string): number {
  return Number(body.slice(0, body.indexOf(':')));
}

/**
 * Publishes numbered messages in batches, waiting each time for the fast subscriber to have them
 * all, until `done` holds (or MAX_MESSAGES). Returns how many were published.
 */
async function publishUntil(
  server: StompTestServer,
  topic: string,
  fast: RawStomp,
  done: () => boolean,
): Promise<number> {
  let sent = 0;
  while (sent < MAX_MESSAGES && !done()) {
    for (let i = 0; i < BATCH; i++) server.stomp.template.convertAndSend(topic, `${sent++}:${PADDING}`);
    await waitForMessages(fast, sent, `${sent} messages at the fast subscriber`, 's', 10_000);
  }
  return sent;
}

async function fastAndSlow(
  server: StompTestServer,
  resources: Resources,
): Promise<{ topic: string; fast: RawStomp; slow: RawStomp }> {
  const topic = `/topic/${unique('slow')}`;
  const fast = await rawSession(server, resources);
  const slow = await rawSession(server, resources);
  await rawSubscribe(fast, 's', topic);
  await rawSubscribe(slow, 's', topic);
  slow.ws.socket.pause();
  return { topic, fast, slow };
}

function assertAllInOrder(fast: RawStomp, sent: number): void {
  const indexes = messagesOf(fast, 's').map((frame) => indexOf(frame.body));
  assert.equal(indexes.length, sent, 'the fast subscriber got every message');
  indexes.forEach((index, at) => assert.equal(index, at, 'in order, none twice'));
}

describe("slowSubscriberPolicy 'close'", () => {
  const started = useStompServer({ ...LIMITS, slowSubscriberPolicy: 'close' }, undefined, ENDPOINT);

  test('the session that stopped reading is closed; the fast one gets everything in order', async () => {
    const running = started.running();
    const before = running.stomp.stats();
    const { topic, fast, slow } = await fastAndSlow(running, started.resources);
    const sent = await publishUntil(
      running,
      topic,
      fast,
      () => running.stomp.stats().slowSubscriberCloses > before.slowSubscriberCloses,
    );
    assert.equal(running.stomp.stats().slowSubscriberCloses, before.slowSubscriberCloses + 1, `closed within ${sent}`);
    assertAllInOrder(fast, sent);
    slow.ws.socket.resume();
    const close = await slow.ws.waitForClose('the slow session to close', 10_000);
    assert.equal(close.code, 1002);
    assert.equal(running.stomp.stats().sessions, before.sessions + 1, 'only the fast session is left');
    await withReceipt(fast, 'SEND', { destination: topic }, 'still:served');
  });
});

describe("slowSubscriberPolicy 'drop-oldest'", () => {
  const started = useStompServer({ ...LIMITS, slowSubscriberPolicy: 'drop-oldest' }, undefined, ENDPOINT);

  test('messages are dropped (counted), the session lives, what it gets is in order', async () => {
    const running = started.running();
    const before = running.stomp.stats();
    const { topic, fast, slow } = await fastAndSlow(running, started.resources);
    const sent = await publishUntil(
      running,
      topic,
      fast,
      () => running.stomp.stats().slowSubscriberDrops > before.slowSubscriberDrops + 100,
    );
    assert.ok(running.stomp.stats().slowSubscriberDrops > before.slowSubscriberDrops + 100, `drops within ${sent}`);
    assert.equal(running.stomp.stats().slowSubscriberCloses, before.slowSubscriberCloses);
    assertAllInOrder(fast, sent);
    slow.ws.socket.resume();
    await withReceipt(slow, 'SEND', { destination: topic }, `${sent}:last`);
    const got = await waitForMessages(slow, 1, 'the last message at the slow one', 's', 10_000);
    await slow.frames.waitFor((f) => f.body === `${sent}:last`, 'the last message', 10_000);
    const indexes = messagesOf(slow, 's').map((frame) => indexOf(frame.body));
    assert.ok(indexes.length < sent, `some were dropped (${indexes.length} of ${sent})`);
    for (let i = 1; i < indexes.length; i++) assert.ok(indexes[i]! > indexes[i - 1]!, 'in order, none twice');
    assert.ok(got.every((frame) => headerValue(frame, 'destination') === topic));
    assert.equal(slow.ws.isClosed, false, 'the slow session is still open');
  });
});
