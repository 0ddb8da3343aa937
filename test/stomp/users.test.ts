/**
 * User destinations end to end. The user comes from the handshake (the endpoint's `principal`) or
 * from a CONNECT interceptor reading login/passcode (a wrong passcode: ERROR, then the close). Every
 * session of U subscribed to `/user/queue/x` gets what goes to `/user/U/queue/x`, nobody else does;
 * a client may SEND to another user's destination; `users()` and `sessionsOf()` follow the sessions.
 * And the messaging template called from an Express route.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StompFrame } from '../../protocol';
import { headerValue, RawStomp, StompjsSession, useStompServer, type StompjsTransport } from '../support/stomp';
import {
  messagesOf,
  principalFromQuery,
  rawSession,
  rawSubscribe,
  unique,
  waitForMessages,
  withReceipt,
  withUser,
} from '../support/stomp-e2e';
import { until } from '../support/wait';

const started = useStompServer({ heartBeat: [0, 0] }, undefined, principalFromQuery);

for (const transport of ['ws', 'xhr-streaming'] as const satisfies readonly StompjsTransport[]) {
  describe(`user destinations, principal from the handshake, stompjs over ${transport}`, () => {
    test('every tab of U gets /user/U/queue/x, nobody else; users() and sessionsOf() follow', async () => {
      const running = started.running();
      const user = unique('u');
      const tabs = [
        await StompjsSession.connect(withUser(running, user), transport, started.resources),
        await StompjsSession.connect(withUser(running, user), transport, started.resources),
      ];
      const other = await StompjsSession.connect(withUser(running, unique('v')), transport, started.resources);
      const anonymous = await StompjsSession.connect(running, transport, started.resources);
      assert.equal(tabs[0]?.connectedFrame?.headers['user-name'], user);
      assert.ok(running.stomp.users().includes(user));
      assert.equal(running.stomp.sessionsOf(user).length, 2);
      for (const session of [...tabs, other, anonymous]) await session.subscribed('/user/queue/x');
      await anonymous.publishWithReceipt(`/user/${user}/queue/x`, 'for u');
      for (const tab of tabs) {
        const message = await tab.messages.waitFor(() => true, 'the user message on each tab');
        assert.equal(message.body, 'for u');
        assert.equal(message.headers.destination, '/user/queue/x');
      }
      await other.publishWithReceipt('/topic/flush', '');
      await anonymous.publishWithReceipt('/topic/flush', '');
      assert.equal(other.messages.items.length + anonymous.messages.items.length, 0, 'nobody else');
      await tabs[0]?.client.deactivate();
      await until(() => running.stomp.sessionsOf(user).length === 1, 'one session of the user left');
      await tabs[1]?.client.deactivate();
      await until(() => !running.stomp.users().includes(user), 'the user gone from users()');
    });
  });
}

describe('user destinations, raw frames', () => {
  test("a client's SEND to /user/bob/queue/x reaches bob's sessions subscribed to /user/queue/x", async () => {
    const running = started.running();
    const bob = unique('bob');
    const bobSession = await rawSession(withUser(running, bob), started.resources);
    await rawSubscribe(bobSession, 'in', '/user/queue/x');
    await rawSubscribe(bobSession, 'other', '/user/queue/y');
    const sender = await rawSession(withUser(running, unique('carol')), started.resources);
    await rawSubscribe(sender, 'in', '/user/queue/x');
    await withReceipt(sender, 'SEND', { destination: `/user/${bob}/queue/x`, 'content-type': 'text/plain' }, 'hi');
    const [message] = await waitForMessages(bobSession, 1, "bob's message");
    assert.equal(headerValue(message!, 'subscription'), 'in');
    assert.equal(headerValue(message!, 'destination'), '/user/queue/x');
    assert.equal(message?.body, 'hi');
    await withReceipt(bobSession, 'SEND', { destination: '/topic/flush' });
    assert.equal(messagesOf(bobSession).length, 1, 'not on /user/queue/y');
    assert.equal(messagesOf(sender).length, 0, 'not back to the sender');
  });
});

describe('the user from a CONNECT interceptor', () => {
  const passwords = new Map([
    ['ann', 'secret-a'],
    ['ben', 'secret-b'],
  ]);
  const intercepted = useStompServer({
    heartBeat: [0, 0],
    interceptors: [
      {
        inbound(frame: StompFrame, context) {
          if (frame.command !== 'CONNECT') return undefined;
          const login = headerValue(frame, 'login');
          if (login === undefined) return undefined;
          if (passwords.get(login) !== headerValue(frame, 'passcode')) throw new Error(`bad credentials for ${login}`);
          context.setUser(login);
          return undefined;
        },
      },
    ],
  });

  test('login/passcode names the user: CONNECTED user-name, user destinations, users()', async () => {
    const running = intercepted.running();
    const ann = await StompjsSession.connect(running, 'ws', intercepted.resources, {
      connectHeaders: { login: 'ann', passcode: 'secret-a' },
    });
    const annSockJs = await StompjsSession.connect(running, 'xhr-streaming', intercepted.resources, {
      connectHeaders: { login: 'ann', passcode: 'secret-a' },
    });
    const ben = await rawSession(running, intercepted.resources, { login: 'ben', passcode: 'secret-b' });
    assert.equal(ann.connectedFrame?.headers['user-name'], 'ann');
    assert.deepEqual(running.stomp.users().sort(), ['ann', 'ben']);
    assert.equal(running.stomp.sessionsOf('ann').length, 2);
    await ann.subscribed('/user/queue/x');
    await annSockJs.subscribed('/user/queue/x');
    await rawSubscribe(ben, 'x', '/user/queue/x');
    assert.equal(running.stomp.template.convertAndSendToUser('ann', '/queue/x', 'to ann'), 2);
    for (const session of [ann, annSockJs]) {
      const message = await session.messages.waitFor(() => true, 'the message on each of ann’s sessions');
      assert.equal(message.body, 'to ann');
    }
    await withReceipt(ben, 'SEND', { destination: '/topic/flush' });
    assert.equal(messagesOf(ben).length, 0);
  });

  test('a wrong passcode: ERROR with the reason, then the close; no session for the user', async () => {
    const running = intercepted.running();
    const before = running.stomp.stats();
    const annSessions = running.stomp.sessionsOf('ann').length;
    const raw = await RawStomp.open(running.wsUrl, intercepted.resources);
    raw.send('CONNECT', { 'accept-version': '1.2', host: 'localhost', login: 'ann', passcode: 'wrong' });
    const { error, close } = await raw.expectError('the refused CONNECT');
    assert.match(headerValue(error, 'message') ?? '', /bad credentials for ann/);
    assert.equal(close.code, 1002);
    assert.equal(running.stomp.sessionsOf('ann').length, annSessions, 'no new session of ann');
    assert.equal(running.stomp.stats().sessions, before.sessions);
    assert.equal(running.stomp.stats().errors, before.errors + 1);
  });
});

describe('the messaging template from an Express route', () => {
  test('convertAndSend JSON and text, convertAndSendToUser; the route gets the counts', async () => {
    const running = started.running();
    const topic = `/topic/${unique('http')}`;
    const user = unique('dana');
    running.http.app.post('/notify', (_req, res) => {
      const json = running.stomp.template.convertAndSend(topic, { a: 1 });
      const text = running.stomp.template.convertAndSend(topic, 'plain text');
      const toUser = running.stomp.template.convertAndSendToUser(user, '/queue/n', { hi: user });
      res.json({ json, text, toUser });
    });
    const subscribers = [
      await rawSession(running, started.resources),
      await rawSession(withUser(running, user), started.resources),
    ];
    for (const subscriber of subscribers) await rawSubscribe(subscriber, 't', topic);
    const userSession = subscribers[1]!;
    await rawSubscribe(userSession, 'n', '/user/queue/n');
    const response = await fetch(`${running.http.baseUrl}/notify`, { method: 'POST' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { json: 2, text: 2, toUser: 1 });
    for (const subscriber of subscribers) {
      const [json, text] = await waitForMessages(subscriber, 2, 'both topic messages', 't');
      assert.equal(headerValue(json!, 'content-type'), 'application/json');
      assert.deepEqual(JSON.parse(json!.body), { a: 1 });
      assert.match(headerValue(text!, 'content-type') ?? '', /^text\/plain/);
      assert.equal(text?.body, 'plain text');
    }
    const [note] = await waitForMessages(userSession, 1, 'the user message', 'n');
    assert.equal(headerValue(note!, 'destination'), '/user/queue/n');
    assert.deepEqual(JSON.parse(note!.body), { hi: user });
  });
});
