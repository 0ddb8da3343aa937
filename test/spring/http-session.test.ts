/**
 * httpSessionInterceptor with the real express-session: the HTTP session's id (`HTTP.SESSION.ID`)
 * and values (`user`) in the SockJS session's attributes on websocket, xhr-streaming and
 * xhr-polling; a login-requiring interceptor refusing anonymous handshakes on every transport; and
 * the demo's POST /login + /secure + POST /notify.
 *
 * sockjs-client's Node XHR driver (`lib/transport/driver/xhr.js`) takes headers only from its
 * callers, and its receivers (`XhrReceiver`) pass none, so no cookie can ride on its xhr
 * transports: those are driven with raw HTTP here. Its websocket driver (faye-websocket) takes
 * `transportOptions.websocket.headers`, which carries the cookie.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import express from 'express';
import session from 'express-session';
import {
  HTTP_SESSION_ID,
  httpSessionInterceptor,
  type HandshakeInterceptor,
  type SockJsHandler,
  type SockJsSession,
} from '../../server';
import { Events } from '../support/events';
import { HttpStream } from '../support/http-stream';
import { GET, POST } from '../support/raw-http';
import { framesOf, messagesOf, sockjsWsPath, wsUrl } from '../support/sockjs';
import { connectSockJs } from '../support/sockjs-client';
import { useSpringApp, useSpringDemo } from '../support/spring';
import { withTimeout } from '../support/wait';
import { WsClient, wsRefusal } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

const opened = new Events<{ endpoint: string; session: SockJsSession; attributes: Map<string, unknown> }>();

function recordingHandler(endpoint: string): SockJsHandler {
  return {
    onOpen(s) {
      opened.push({ endpoint, session: s, attributes: new Map(s.attributes) });
      s.send(`open ${s.transport}`);
    },
    onMessage(s, message) {
      s.send(message);
    },
  };
}

const requireLogin: HandshakeInterceptor = {
  beforeHandshake: ({ attributes }) => (attributes.has('user') ? true : { status: 401, body: 'Log in first.' }),
};

/** `connect.sid=s%3A<id>.<signature>` → `<id>`. */
function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.split(';')[0]?.split('=')[1] ?? '');
  assert.ok(value.startsWith('s:'), `a signed session cookie, got ${cookie}`);
  return value.slice(2, value.lastIndexOf('.'));
}

/** POST /login as `user`; returns the `name=value` cookie to send back. */
async function login(port: number, user: string): Promise<string> {
  const response = await POST(port, '/login', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  assert.equal(response.status, 204, `login answered ${response.status} ${response.body}`);
  const setCookie = response.header('set-cookie');
  assert.ok(setCookie, 'login sets the session cookie');
  return setCookie.split(';')[0] as string;
}

/** Reads a raw xhr-streaming response until `count` messages (after the open frame). */
async function streamMessages(stream: HttpStream, count: number, what: string): Promise<string[]> {
  const all = (): string[] =>
    framesOf(stream.text)
      .filter((f) => f.startsWith('a['))
      .flatMap(messagesOf);
  await stream.waitFor(() => all().length >= count, what);
  return all();
}

describe('httpSessionInterceptor with express-session', () => {
  const sessionMiddleware = session({ secret: 'test secret', resave: false, saveUninitialized: false });
  const { running, resources } = useSpringApp((registry, expressApp) => {
    expressApp.use(sessionMiddleware);
    expressApp.post('/login', express.json(), (req, res) => {
      (req.session as unknown as Record<string, unknown>)['user'] = {
        name: String((req.body as { user?: unknown }).user),
      };
      res.status(204).end();
    });
    registry
      .addHandler(recordingHandler('/chat'), '/chat')
      .addInterceptors(httpSessionInterceptor({ sessionMiddleware }))
      .withSockJS();
    registry
      .addHandler(recordingHandler('/guarded'), '/guarded')
      .addInterceptors(httpSessionInterceptor({ sessionMiddleware }), requireLogin)
      .withSockJS();
    registry
      .addHandler(recordingHandler('/plain'), '/plain')
      .addInterceptors(httpSessionInterceptor({ sessionMiddleware }), requireLogin);
    registry
      .addHandler(recordingHandler('/no-middleware'), '/no-middleware')
      .addInterceptors(httpSessionInterceptor())
      .withSockJS();
    registry
      .addHandler(recordingHandler('/only-user'), '/only-user')
      .addInterceptors(httpSessionInterceptor({ sessionMiddleware, attributeNames: ['user'] }))
      .withSockJS();
  });
  let cookie = '';
  before(async () => {
    cookie = await login(running().port, 'alice');
  });

  const expectAttributes = (attributes: Map<string, unknown>): void => {
    assert.equal(attributes.get(HTTP_SESSION_ID), sessionIdOf(cookie));
    assert.deepEqual(attributes.get('user'), { name: 'alice' });
    assert.equal(attributes.has('cookie'), false, 'the cookie settings are not copied');
  };

  test(
    'websocket (sockjs-client, cookie through transportOptions.websocket.headers): HTTP.SESSION.ID and user',
    { timeout: 15_000 },
    async () => {
      const client = connectSockJs(running().baseUrl + '/chat', 'websocket', resources, {
        transportOptions: { websocket: { headers: { Cookie: cookie } } },
      });
      await client.opened;
      assert.equal(await client.message(0), 'open websocket');
      const open = await opened.waitFor((o) => o.endpoint === '/chat' && o.session.transport === 'websocket', 'onOpen');
      expectAttributes(open.attributes);
      client.sock.close();
    },
  );

  test(
    'websocket (ws with a Cookie header), SockJS and raw routes: HTTP.SESSION.ID and user',
    { timeout: 15_000 },
    async () => {
      const framed = resources.add(
        await WsClient.open(wsUrl(running().baseUrl, sockjsWsPath('/guarded')), { headers: { Cookie: cookie } }),
        (c) => c.close(),
      );
      assert.equal(await framed.message(0), 'o');
      assert.equal(await framed.message(1), 'a["open websocket"]');
      expectAttributes(
        (await opened.waitFor((o) => o.endpoint === '/guarded' && o.session.transport === 'websocket', 'onOpen'))
          .attributes,
      );
      const raw = resources.add(
        await WsClient.open(wsUrl(running().baseUrl, '/guarded/websocket'), { headers: { Cookie: cookie } }),
        (c) => c.close(),
      );
      assert.equal(await raw.message(0), 'open websocket-raw');
      expectAttributes(
        (await opened.waitFor((o) => o.endpoint === '/guarded' && o.session.transport === 'websocket-raw', 'onOpen'))
          .attributes,
      );
      const plain = resources.add(
        await WsClient.open(wsUrl(running().baseUrl, '/plain'), { headers: { Cookie: cookie } }),
        (c) => c.close(),
      );
      assert.equal(await plain.message(0), 'open websocket-raw');
      expectAttributes((await opened.waitFor((o) => o.endpoint === '/plain', 'onOpen on /plain')).attributes);
    },
  );

  test('xhr-streaming (raw HTTP with the cookie): HTTP.SESSION.ID and user', { timeout: 15_000 }, async () => {
    const id = randomUUID();
    const stream = resources.add(
      await HttpStream.open(running().port, 'POST', `/guarded/000/${id}/xhr_streaming`, {
        headers: { Cookie: cookie },
      }),
      (s) => s.close(),
    );
    assert.equal(stream.status, 200);
    assert.deepEqual(await streamMessages(stream, 1, 'the greeting'), ['open xhr-streaming']);
    const send = await POST(running().port, `/guarded/000/${id}/xhr_send`, {
      body: '["streamed"]',
      headers: { Cookie: cookie },
    });
    assert.equal(send.status, 204);
    assert.deepEqual(await streamMessages(stream, 2, 'the echo'), ['open xhr-streaming', 'streamed']);
    const open = await opened.waitFor((o) => o.endpoint === '/guarded' && o.session.id === id, 'onOpen');
    assert.equal(open.session.transport, 'xhr-streaming');
    expectAttributes(open.attributes);
  });

  test('xhr-polling (raw HTTP with the cookie): HTTP.SESSION.ID and user', { timeout: 15_000 }, async () => {
    const xhr = new XhrPollingSession(running().port, '/guarded', { Cookie: cookie });
    await xhr.open();
    assert.equal(await xhr.pollFrame(), 'a["open xhr-polling"]');
    const open = await opened.waitFor((o) => o.endpoint === '/guarded' && o.session.id === xhr.id, 'onOpen');
    assert.equal(open.session.transport, 'xhr-polling');
    expectAttributes(open.attributes);
  });

  test(
    'a session opened with one HTTP session refuses polls and xhr_sends of another (404), and stays usable',
    { timeout: 15_000 },
    async () => {
      const other = await login(running().port, 'mallory');
      const xhr = new XhrPollingSession(running().port, '/guarded', { Cookie: cookie });
      await xhr.open();
      assert.equal(await xhr.pollFrame(), 'a["open xhr-polling"]');
      const foreignSend = await POST(running().port, `${xhr.base}/xhr_send`, {
        body: '["injected"]',
        headers: { Cookie: other },
      });
      assert.equal(foreignSend.status, 404);
      const anonymousSend = await POST(running().port, `${xhr.base}/xhr_send`, { body: '["anonymous"]' });
      assert.equal(anonymousSend.status, 404);
      const foreignPoll = await POST(running().port, `${xhr.base}/xhr`, { headers: { Cookie: other } });
      assert.equal(foreignPoll.status, 404);
      assert.equal((await xhr.send(['mine'])).status, 204);
      assert.equal(await xhr.pollFrame(), 'a["mine"]');
    },
  );

  test('attributeNames: only the listed session keys are copied (the id always is)', { timeout: 10_000 }, async () => {
    const xhr = new XhrPollingSession(running().port, '/only-user', { Cookie: cookie });
    await xhr.open();
    const open = await opened.waitFor((o) => o.endpoint === '/only-user' && o.session.id === xhr.id, 'onOpen');
    assert.deepEqual([...open.attributes.keys()].sort(), [HTTP_SESSION_ID, 'user']);
  });

  test(
    'without sessionMiddleware, an HTTP transport gets the session Express loaded; a websocket upgrade gets none',
    { timeout: 10_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/no-middleware', { Cookie: cookie });
      await xhr.open();
      expectAttributes(
        (await opened.waitFor((o) => o.endpoint === '/no-middleware' && o.session.id === xhr.id, 'xhr onOpen'))
          .attributes,
      );
      const ws = resources.add(
        await WsClient.open(wsUrl(running().baseUrl, '/no-middleware/websocket'), { headers: { Cookie: cookie } }),
        (c) => c.close(),
      );
      assert.equal(await ws.message(0), 'open websocket-raw');
      const open = await opened.waitFor(
        (o) => o.endpoint === '/no-middleware' && o.session.transport === 'websocket-raw',
        'ws onOpen',
      );
      assert.equal(open.attributes.size, 0);
    },
  );

  test('without a login, requireLogin refuses with 401 on every transport', { timeout: 15_000 }, async () => {
    const { port, baseUrl } = running();
    const id = (): string => `/guarded/000/${randomUUID()}`;
    const responses = {
      xhr: await POST(port, `${id()}/xhr`),
      xhr_streaming: await POST(port, `${id()}/xhr_streaming`),
      eventsource: await GET(port, `${id()}/eventsource`),
      htmlfile: await GET(port, `${id()}/htmlfile?c=cb`),
      jsonp: await GET(port, `${id()}/jsonp?c=cb`),
    };
    for (const [transport, response] of Object.entries(responses)) {
      assert.equal(response.status, 401, `${transport} answered ${response.status}`);
      assert.equal(response.body, 'Log in first.');
    }
    assert.deepEqual(await wsRefusal(wsUrl(baseUrl, sockjsWsPath('/guarded'))), { status: 401, body: 'Log in first.' });
    assert.deepEqual(await wsRefusal(wsUrl(baseUrl, '/guarded/websocket')), { status: 401, body: 'Log in first.' });
    assert.deepEqual(await wsRefusal(wsUrl(baseUrl, '/plain')), { status: 401, body: 'Log in first.' });
    // A cookie for no session (forged or expired) is no login either.
    const forged = 'connect.sid=s%3Anot-a-session.signature';
    assert.equal((await POST(port, `${id()}/xhr`, { headers: { Cookie: forged } })).status, 401);
    assert.equal((await wsRefusal(wsUrl(baseUrl, '/guarded/websocket'), { headers: { Cookie: forged } })).status, 401);
    for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling'] as const) {
      const client = connectSockJs(baseUrl + '/guarded', transport, resources);
      assert.equal((await withTimeout(client.closed, `sockjs-client ${transport} refused`, 10_000)).code, 2000);
    }
    assert.equal(
      opened.count((o) => o.endpoint === '/guarded' && !o.attributes.has('user')),
      0,
    );
  });
});

describe('the demo: POST /login, /secure, POST /notify', () => {
  const { running: demo, resources } = useSpringDemo();

  const notify = async (body: Record<string, string>): Promise<number> => {
    const { port } = demo();
    const response = await POST(port, '/notify', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, response.body);
    return (JSON.parse(response.body) as { delivered: number }).delivered;
  };

  test('/secure without a login: 401 "Log in first." on every transport', { timeout: 15_000 }, async () => {
    const { port, baseUrl } = demo();
    const id = (): string => `/secure/000/${randomUUID()}`;
    for (const response of [
      await POST(port, `${id()}/xhr`),
      await POST(port, `${id()}/xhr_streaming`),
      await GET(port, `${id()}/eventsource`),
      await GET(port, `${id()}/jsonp?c=cb`),
    ]) {
      assert.equal(response.status, 401);
      assert.equal(response.body, 'Log in first.');
    }
    assert.deepEqual(await wsRefusal(wsUrl(baseUrl, sockjsWsPath('/secure'))), { status: 401, body: 'Log in first.' });
  });

  test(
    'a notification reaches every /secure session of one user (websocket, xhr-streaming, xhr-polling), then everyone',
    { timeout: 20_000 },
    async () => {
      const { port, baseUrl } = demo();
      const aliceCookie = await login(port, 'alice');
      const aliceCookie2 = await login(port, 'alice');
      const bobCookie = await login(port, 'bob');
      assert.notEqual(aliceCookie, aliceCookie2, 'two HTTP sessions of one user');

      const aliceWs = connectSockJs(baseUrl + '/secure', 'websocket', resources, {
        transportOptions: { websocket: { headers: { Cookie: aliceCookie } } },
      });
      await aliceWs.opened;
      assert.equal(await aliceWs.message(0), 'hello alice');

      const streamId = randomUUID();
      const aliceStream = resources.add(
        await HttpStream.open(port, 'POST', `/secure/000/${streamId}/xhr_streaming`, {
          headers: { Cookie: aliceCookie2 },
        }),
        (s) => s.close(),
      );
      assert.deepEqual(await streamMessages(aliceStream, 1, 'the greeting'), ['hello alice']);

      const alicePoll = new XhrPollingSession(port, '/secure', { Cookie: aliceCookie });
      await alicePoll.open();
      assert.equal(await alicePoll.pollFrame(), 'a["hello alice"]');

      const bob = resources.add(
        await WsClient.open(wsUrl(baseUrl, sockjsWsPath('/secure')), { headers: { Cookie: bobCookie } }),
        (c) => c.close(),
      );
      assert.equal(await bob.message(0), 'o');
      assert.equal(await bob.message(1), 'a["hello bob"]');

      // The session's principal is the logged-in user.
      aliceWs.sock.send('hi');
      assert.equal(await aliceWs.message(1), 'alice: hi');

      assert.equal(await notify({ user: 'alice', message: 'for alice' }), 3);
      assert.equal(await aliceWs.message(2), 'for alice');
      assert.deepEqual(await streamMessages(aliceStream, 2, 'the notification'), ['hello alice', 'for alice']);
      assert.equal(await alicePoll.pollFrame(), 'a["for alice"]');

      assert.equal(await notify({ message: 'for everyone' }), 4);
      assert.equal(await aliceWs.message(3), 'for everyone');
      assert.deepEqual(await streamMessages(aliceStream, 3, 'the broadcast'), [
        'hello alice',
        'for alice',
        'for everyone',
      ]);
      assert.equal(await alicePoll.pollFrame(), 'a["for everyone"]');
      assert.equal(await bob.message(2), 'a["for everyone"]');
      assert.deepEqual(
        bob.received,
        ['o', 'a["hello bob"]', 'a["for everyone"]'],
        "bob never got alice's notification",
      );

      assert.equal(await notify({ user: 'carol', message: 'nobody' }), 0);
      const bad = await POST(port, '/notify', { headers: { 'Content-Type': 'application/json' }, body: '{}' });
      assert.equal(bad.status, 400);
    },
  );

  test('POST /logout: the next handshake with that cookie is refused', { timeout: 10_000 }, async () => {
    const { port } = demo();
    const cookie = await login(port, 'dave');
    const poll = new XhrPollingSession(port, '/secure', { Cookie: cookie });
    await poll.open();
    assert.equal((await POST(port, '/logout', { headers: { Cookie: cookie } })).status, 204);
    const after = await POST(port, `/secure/000/${randomUUID()}/xhr`, { headers: { Cookie: cookie } });
    assert.equal(after.status, 401);
  });
});
