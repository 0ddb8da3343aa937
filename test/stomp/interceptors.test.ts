/**
 * Channel interceptors end to end: an inbound one authorising SUBSCRIBE by destination (a refusal
 * is an ERROR with its reason), dropping a SEND (nothing published, its receipt still sent) and
 * rewriting a SEND's destination; an outbound one adding a header to MESSAGE frames and dropping
 * some. Raw frames, and stompjs over a plain websocket and SockJS xhr-streaming.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StompFrame } from '../../protocol';
import { headerValue, StompjsSession, useStompServer, type StompjsTransport } from '../support/stomp';
import {
  bodies,
  messagesOf,
  rawSession,
  rawSubscribe,
  unique,
  waitForMessages,
  withReceipt,
} from '../support/stomp-e2e';

function withDestination(frame: StompFrame, destination: string): StompFrame {
  return {
    ...frame,
    headers: frame.headers.map(([name, value]) => [name, name === 'destination' ? destination : value]),
  };
}

const started = useStompServer({
  heartBeat: [0, 0],
  interceptors: [
    {
      inbound(frame) {
        const destination = headerValue(frame, 'destination') ?? '';
        if (frame.command === 'SUBSCRIBE' && destination.startsWith('/topic/private')) {
          throw new Error(`not allowed to subscribe to ${destination}`);
        }
        if (frame.command !== 'SEND') return undefined;
        if (destination.startsWith('/topic/dropped')) return null;
        if (destination.startsWith('/topic/old.')) return withDestination(frame, destination.replace('/old.', '/new.'));
        return undefined;
      },
    },
    {
      outbound(frame) {
        if (frame.command !== 'MESSAGE') return undefined;
        if (headerValue(frame, 'destination')?.startsWith('/topic/hidden')) return null;
        return { ...frame, headers: [...frame.headers, ['x-intercepted', 'yes']] };
      },
    },
  ],
});

describe('inbound interceptors, raw frames', () => {
  test('a refused SUBSCRIBE is an ERROR with the reason and the receipt-id, then the close', async () => {
    const running = started.running();
    const raw = await rawSession(running, started.resources);
    const before = running.stomp.stats();
    raw.send('SUBSCRIBE', { id: 'p', destination: '/topic/private.x', receipt: 'sub' });
    const { error, close } = await raw.expectError('the refusal');
    assert.match(headerValue(error, 'message') ?? '', /not allowed to subscribe to \/topic\/private\.x/);
    assert.equal(headerValue(error, 'receipt-id'), 'sub');
    assert.equal(close.code, 1002);
    assert.equal(running.stomp.stats().subscriptions, before.subscriptions, 'no subscription made');
  });

  test('a SEND the interceptor drops is not published, yet its receipt comes', async () => {
    const running = started.running();
    const topic = `/topic/dropped.${unique('d')}`;
    const subscriber = await rawSession(running, started.resources);
    await rawSubscribe(subscriber, 's', topic);
    const publishedBefore = running.stomp.stats().broker.published;
    const publisher = await rawSession(running, started.resources);
    await withReceipt(publisher, 'SEND', { destination: topic }, 'dropped');
    assert.equal(running.stomp.stats().broker.published, publishedBefore, 'nothing published');
    await withReceipt(subscriber, 'SEND', { destination: '/topic/flush' });
    assert.equal(messagesOf(subscriber).length, 0);
  });

  test("a SEND's destination rewritten: published to the new one only", async () => {
    const running = started.running();
    const name = unique('rw');
    const raw = await rawSession(running, started.resources);
    await rawSubscribe(raw, 'old', `/topic/old.${name}`);
    await rawSubscribe(raw, 'new', `/topic/new.${name}`);
    await withReceipt(raw, 'SEND', { destination: `/topic/old.${name}` }, 'moved');
    const [moved] = await waitForMessages(raw, 1, 'the rewritten message');
    assert.equal(headerValue(moved!, 'subscription'), 'new');
    assert.equal(headerValue(moved!, 'destination'), `/topic/new.${name}`);
    assert.equal(messagesOf(raw).length, 1);
  });
});

for (const transport of ['ws', 'xhr-streaming'] as const satisfies readonly StompjsTransport[]) {
  describe(`outbound interceptors, stompjs over ${transport}`, () => {
    test('MESSAGE frames carry the added header; the dropped ones never arrive', async () => {
      const running = started.running();
      const name = unique('out');
      const session = await StompjsSession.connect(running, transport, started.resources);
      await session.subscribed(`/topic/hidden.${name}`);
      await session.subscribed(`/topic/shown.${name}`);
      for (let i = 0; i < 3; i++) {
        session.client.publish({ destination: `/topic/hidden.${name}`, body: `h${i}` });
        session.client.publish({ destination: `/topic/shown.${name}`, body: `s${i}` });
      }
      await session.publishWithReceipt(`/topic/shown.${name}`, 'end');
      const got = await session.messages.waitForCount(4, 'the shown messages');
      assert.deepEqual(bodies(got), ['s0', 's1', 's2', 'end']);
      for (const message of got) assert.equal(message.headers['x-intercepted'], 'yes');
    });
  });
}
