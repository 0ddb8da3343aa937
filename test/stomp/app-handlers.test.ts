/**
 * Application destinations (`/app/...`) end to end: Spring's default reply to `/topic` + the path,
 * `sendTo` with the mapping's variables, `sendToUser` (every session of the user, or the sender's
 * alone), `subscribeMapping` replies to the subscriber only, payloads parsed by content type, async
 * handlers kept in order, a failing handler ending only its own session, an exception handler
 * replying on `/user/queue/errors`, and SEND to an unmapped destination refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerValue, StompjsSession, useStompServer, type StompjsTransport } from '../support/stomp';
import {
  bodies,
  messagesOf,
  principalFromQuery,
  rawSession,
  rawSubscribe,
  unique,
  waitForMessages,
  withReceipt,
  withUser,
} from '../support/stomp-e2e';
import { delay } from '../support/wait';

const started = useStompServer(
  { heartBeat: [0, 0] },
  (stomp) => {
    stomp.messageMapping<{ text: string }>('/room.{id}', (message) => ({
      room: message.variables.id,
      text: message.payload.text,
    }));
    stomp.messageMapping('/chat.{room}.{user}', (message) => `${message.variables.user}: ${message.body}`, {
      sendTo: '/topic/chat.{room}',
    });
    stomp.messageMapping('/whoami', (message) => message.session.user?.name ?? 'anonymous', {
      sendToUser: '/queue/me',
    });
    stomp.messageMapping('/whoami.here', (message) => `here:${message.session.id}`, {
      sendToUser: '/queue/me',
      broadcast: false,
    });
    stomp.subscribeMapping('/init.{id}', (message) => ({ init: message.variables.id, to: message.session.id }));
    stomp.messageMapping('/type', (message) => ({ type: typeof message.payload, payload: message.payload }));
    stomp.messageMapping('/slow', async (message) => {
      await delay(30); // slow on purpose: the next frame's reply must still come after this one's
      return `slow:${message.body}`;
    });
    stomp.messageMapping('/fast', (message) => `fast:${message.body}`, { sendTo: '/topic/slow' });
    stomp.messageMapping('/boom', () => {
      throw new Error('an internal detail');
    });
  },
  principalFromQuery,
);

for (const transport of ['ws', 'xhr-streaming'] as const satisfies readonly StompjsTransport[]) {
  describe(`/app mappings, stompjs over ${transport}`, () => {
    test('default reply: /app/room.{id} to /topic/room.{id}, JSON in and out', async () => {
      const running = started.running();
      const id = unique('r');
      const session = await StompjsSession.connect(running, transport, started.resources);
      const listener = await StompjsSession.connect(running, transport, started.resources);
      await listener.subscribed(`/topic/room.${id}`);
      session.client.publish({
        destination: `/app/room.${id}`,
        body: JSON.stringify({ text: 'hi' }),
        headers: { 'content-type': 'application/json' },
      });
      const reply = await listener.messages.waitFor(() => true, 'the reply on the topic');
      assert.equal(reply.headers.destination, `/topic/room.${id}`);
      assert.equal(reply.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(reply.body), { room: id, text: 'hi' });
    });

    test('sendTo with variables: /app/chat.{room}.{user} to /topic/chat.{room}', async () => {
      const running = started.running();
      const room = unique('c');
      const session = await StompjsSession.connect(running, transport, started.resources);
      await session.subscribed(`/topic/chat.${room}`);
      await session.subscribed(`/topic/chat.${room}.ann`);
      await session.publishWithReceipt(`/app/chat.${room}.ann`, 'hello');
      const reply = await session.messages.waitFor(() => true, 'the reply');
      assert.equal(reply.headers.destination, `/topic/chat.${room}`);
      assert.equal(reply.body, 'ann: hello');
      assert.match(reply.headers['content-type'] ?? '', /^text\/plain/);
      await session.publishWithReceipt('/topic/flush', '');
      assert.equal(session.messages.items.length, 1, 'not to the default destination too');
    });

    test('sendToUser: every session of the sender; broadcast false: the sender alone', async () => {
      const running = started.running();
      const user = unique('alice');
      const tab1 = await StompjsSession.connect(withUser(running, user), transport, started.resources);
      const tab2 = await StompjsSession.connect(withUser(running, user), transport, started.resources);
      const stranger = await StompjsSession.connect(withUser(running, unique('eve')), transport, started.resources);
      for (const session of [tab1, tab2, stranger]) await session.subscribed('/user/queue/me');
      tab1.client.publish({ destination: '/app/whoami', body: '' });
      for (const tab of [tab1, tab2]) {
        const reply = await tab.messages.waitFor(() => true, 'the reply on every tab');
        assert.equal(reply.body, user);
        assert.equal(reply.headers.destination, '/user/queue/me');
      }
      await tab2.publishWithReceipt('/app/whoami.here', '');
      const here = await tab2.messages.waitFor((m) => m.body.startsWith('here:'), 'the reply to the sender');
      await tab1.publishWithReceipt('/topic/flush', '');
      await stranger.publishWithReceipt('/topic/flush', '');
      assert.equal(
        tab1.messages.count((m) => m.body === here.body),
        0,
        'not to the other tab',
      );
      assert.equal(stranger.messages.items.length, 0, "nothing of another user's");
    });

    test('subscribeMapping: the reply goes straight to the subscriber, nobody else', async () => {
      const running = started.running();
      const id = unique('i');
      const earlier = await StompjsSession.connect(running, transport, started.resources);
      const onTopic = await StompjsSession.connect(running, transport, started.resources);
      await earlier.subscribed(`/app/init.${id}`);
      await earlier.messages.waitForCount(1, 'its own initial reply');
      await onTopic.subscribed(`/topic/init.${id}`);
      const session = await StompjsSession.connect(running, transport, started.resources);
      await session.subscribed(`/app/init.${id}`);
      const reply = await session.messages.waitFor(() => true, 'the subscribe reply');
      assert.equal(reply.headers.destination, `/app/init.${id}`);
      assert.deepEqual(JSON.parse(reply.body), { init: id, to: session.connectedFrame?.headers.session });
      await earlier.publishWithReceipt('/topic/flush', '');
      await onTopic.publishWithReceipt('/topic/flush', '');
      assert.equal(earlier.messages.items.length, 1, 'an earlier subscriber gets no second reply');
      assert.equal(onTopic.messages.items.length, 0, 'nothing is published to the topic');
    });
  });
}

describe('/app mappings, raw frames', () => {
  test('the payload is parsed by content type: JSON for application/json (+json), text otherwise', async () => {
    const raw = await rawSession(started.running(), started.resources);
    await rawSubscribe(raw, 't', '/topic/type');
    await withReceipt(raw, 'SEND', { destination: '/app/type', 'content-type': 'application/json' }, '{"n":1}');
    await withReceipt(raw, 'SEND', { destination: '/app/type', 'content-type': 'application/vnd.x+json' }, '[2]');
    await withReceipt(raw, 'SEND', { destination: '/app/type' }, '{"n":3}');
    const replies = (await waitForMessages(raw, 3, 'three replies')).map((frame) => JSON.parse(frame.body) as unknown);
    assert.deepEqual(replies, [
      { type: 'object', payload: { n: 1 } },
      { type: 'object', payload: [2] },
      { type: 'string', payload: '{"n":3}' },
    ]);
  });

  test('async handlers: replies in the order of the frames, a receipt after its handler', async () => {
    const raw = await rawSession(started.running(), started.resources);
    await rawSubscribe(raw, 's', '/topic/slow');
    raw.send('SEND', { destination: '/app/slow' }, '1');
    raw.send('SEND', { destination: '/app/fast' }, '2');
    await withReceipt(raw, 'SEND', { destination: '/app/slow' }, '3');
    assert.deepEqual(bodies(messagesOf(raw)), ['slow:1', 'fast:2', 'slow:3'], 'all before the last receipt, in order');
  });

  test("a handler's error is an ERROR to that session only, without the error's text", async () => {
    const running = started.running();
    const canary = await rawSession(running, started.resources);
    await rawSubscribe(canary, 'c', '/topic/slow');
    const victim = await rawSession(running, started.resources);
    const errorsBefore = running.stomp.stats().errors;
    victim.send('SEND', { destination: '/app/boom', receipt: 'boom' });
    const error = await victim.frames.waitFor((f) => f.command === 'ERROR', 'the ERROR');
    assert.equal(headerValue(error, 'receipt-id'), 'boom');
    assert.match(headerValue(error, 'message') ?? '', /\/app\/boom/);
    assert.doesNotMatch(`${headerValue(error, 'message') ?? ''}${error.body}`, /internal detail/);
    await victim.ws.waitForClose('the close after the ERROR');
    await withReceipt(canary, 'SEND', { destination: '/app/fast' }, 'still');
    assert.deepEqual(bodies(await waitForMessages(canary, 1, 'the canary served')), ['fast:still']);
    assert.equal(running.stomp.stats().errors, errorsBefore + 1);
  });

  test('SEND to an /app destination without a mapping is an ERROR', async () => {
    const raw = await rawSession(started.running(), started.resources);
    raw.send('SEND', { destination: '/app/nothing.here' }, 'x');
    const error = await raw.frames.waitFor((f) => f.command === 'ERROR', 'the ERROR');
    assert.match(headerValue(error, 'message') ?? '', /no messageMapping for \/app\/nothing\.here/);
    await raw.ws.waitForClose();
  });
});

describe('messageExceptionHandler', () => {
  const handled = useStompServer(
    { heartBeat: [0, 0] },
    (stomp) => {
      stomp.messageMapping('/fail', (message) => {
        throw new Error(`bad ${message.body}`);
      });
      stomp.messageExceptionHandler((error, message) => ({
        error: error instanceof Error ? error.message : String(error),
        destination: message.destination,
      }));
    },
    principalFromQuery,
  );

  test("the error becomes a reply on /user/queue/errors, to the sender's session; no ERROR", async () => {
    const running = handled.running();
    const user = unique('bob');
    const sender = await rawSession(withUser(running, user), handled.resources);
    const otherTab = await rawSession(withUser(running, user), handled.resources);
    await rawSubscribe(sender, 'e', '/user/queue/errors');
    await rawSubscribe(otherTab, 'e', '/user/queue/errors');
    await withReceipt(sender, 'SEND', { destination: '/app/fail' }, 'input');
    const [reply] = await waitForMessages(sender, 1, 'the error reply');
    assert.equal(headerValue(reply!, 'destination'), '/user/queue/errors');
    assert.deepEqual(JSON.parse(reply!.body), { error: 'bad input', destination: '/app/fail' });
    await withReceipt(sender, 'SEND', { destination: '/topic/alive' }, '');
    await withReceipt(otherTab, 'SEND', { destination: '/topic/alive' }, '');
    assert.equal(
      sender.frames.count((f) => f.command === 'ERROR'),
      0,
    );
    assert.equal(messagesOf(otherTab).length, 0, 'the sending session only (broadcast false)');
  });
});
