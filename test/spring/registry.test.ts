/**
 * WebSocketHandlerRegistry: plain websocket endpoints (text + binary), SockJS endpoints via
 * withSockJS() on every transport, one handler on several endpoints, several paths per
 * registration, duplicate paths, endpoint() lookups and messaging through endpoint(path).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { after, describe, test } from 'node:test';
import { SockJsError, WebSocketHandlerRegistry, type SockJsHandler, type SockJsSession } from '../../server';
import { Events } from '../support/events';
import { HttpStream } from '../support/http-stream';
import { GET, POST } from '../support/raw-http';
import { Resources } from '../support/resources';
import { framesOf, sockjsWsPath, wsUrl } from '../support/sockjs';
import { connectSockJs, NODE_CLIENT_TRANSPORTS } from '../support/sockjs-client';
import { startApp, useSpringApp } from '../support/spring';
import { withTimeout } from '../support/wait';
import { WsClient } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

interface Seen {
  path: string;
  session: SockJsSession;
  kind: 'open' | 'message' | 'binary' | 'close';
  data?: string;
  code?: number;
}

/** An echo handler (text and binary) that records what it sees, tagged with the session's endpoint. */
function echoHandler(events: Events<Seen>, path: () => string, binary = true): SockJsHandler {
  const handler: SockJsHandler = {
    onOpen(session) {
      events.push({ path: path(), session, kind: 'open' });
    },
    onMessage(session, message) {
      events.push({ path: path(), session, kind: 'message', data: message });
      session.send(message);
    },
    onClose(session, info) {
      events.push({ path: path(), session, kind: 'close', code: info.code });
    },
  };
  if (binary) {
    handler.onBinaryMessage = (session, data) => {
      events.push({ path: path(), session, kind: 'binary', data: data.toString('hex') });
      session.sendBinary(data);
    };
  }
  return handler;
}

const isSockJsError = (code: string) => (error: unknown) => error instanceof SockJsError && error.code === code;

describe('registry: plain websocket endpoints and SockJS endpoints', () => {
  const events = new Events<Seen>();
  const textOnlyEvents = new Events<Seen>();
  /** The handler shared by /plain and /sockjs: which endpoint a session came from is in its transport. */
  const shared = echoHandler(events, () => 'shared');

  const { running, resources } = useSpringApp((registry) => {
    registry.addHandler(shared, '/plain');
    registry.addHandler(shared, '/sockjs').withSockJS();
    registry.addHandler(
      echoHandler(textOnlyEvents, () => 'text-only', false),
      '/text-only',
    );
  });

  test(
    'a plain endpoint (no withSockJS) echoes text and binary messages; the session is websocket-raw',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/plain')), (c) => c.close());
      ws.socket.send('hello plain');
      assert.equal(await ws.message(0), 'hello plain');
      ws.socket.send(Buffer.from([0, 1, 2, 254, 255]), { binary: true });
      assert.equal(await ws.message(1), '<binary>000102feff');
      const binary = await events.waitFor((e) => e.kind === 'binary' && e.data === '000102feff', 'onBinaryMessage');
      assert.equal(binary.session.transport, 'websocket-raw');
      assert.equal(binary.session.protocol, '');
      const text = await events.waitFor((e) => e.kind === 'message' && e.data === 'hello plain', 'onMessage');
      assert.equal(text.session, binary.session, 'one session for both messages');
      await ws.close();
      const closed = await events.waitFor((e) => e.kind === 'close' && e.session === binary.session, 'onClose');
      assert.equal(closed.code, 1005, 'the client closed without a status code');
    },
  );

  test(
    'a plain endpoint has no SockJS routes: GET {path} wants an upgrade (400), {path}/info is not ours (404)',
    { timeout: 10_000 },
    async () => {
      const greeting = await GET(running().port, '/plain');
      assert.equal(greeting.status, 400);
      assert.equal(greeting.body, 'Not a valid websocket request');
      assert.equal((await GET(running().port, '/plain/info')).status, 404);
      assert.equal((await POST(running().port, `/plain/000/abc/xhr`)).status, 404);
    },
  );

  test(
    'a binary message to a handler without onBinaryMessage closes the plain websocket with 1003',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/text-only')), (c) => c.close());
      ws.socket.send('text is fine');
      assert.equal(await ws.message(0), 'text is fine');
      ws.socket.send(Buffer.from('binary is not'), { binary: true });
      const closed = await ws.waitForClose();
      assert.equal(closed.code, 1003);
      assert.equal(closed.reason, 'Binary messages not supported');
      const open = await textOnlyEvents.waitFor((e) => e.kind === 'message' && e.data === 'text is fine', 'onMessage');
      const onClose = await textOnlyEvents.waitFor((e) => e.kind === 'close' && e.session === open.session, 'onClose');
      assert.equal(onClose.code, 1003);
      assert.equal(
        textOnlyEvents.count((e) => e.kind === 'binary'),
        0,
      );
    },
  );

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(
      `withSockJS(): sockjs-client over ${transport} echoes through the same handler object`,
      { timeout: 15_000 },
      async () => {
        const client = connectSockJs(running().baseUrl + '/sockjs', transport, resources);
        await client.opened;
        assert.equal(client.sock.transport, transport);
        client.sock.send(`via ${transport}`);
        assert.equal(await client.message(0), `via ${transport}`);
        const seen = await events.waitFor((e) => e.kind === 'message' && e.data === `via ${transport}`, 'onMessage');
        assert.equal(seen.session.transport, transport);
        assert.equal(running().registry.endpoint('/sockjs').sessions.get(seen.session.id), seen.session);
        client.sock.close(3001, 'bye');
        assert.equal((await withTimeout(client.closed, 'the client close')).code, 3001);
      },
    );
  }

  test(
    'withSockJS(): eventsource, htmlfile and jsonp-polling open sessions; the raw {prefix}/websocket route works',
    { timeout: 15_000 },
    async () => {
      const { port, baseUrl } = running();
      const es = resources.add(await HttpStream.open(port, 'GET', `/sockjs/000/${randomUUID()}/eventsource`), (s) =>
        s.close(),
      );
      assert.equal(es.status, 200);
      await es.waitFor((text) => text === '\r\ndata: o\r\n\r\n', 'the eventsource open frame');
      const htmlfile = resources.add(
        await HttpStream.open(port, 'GET', `/sockjs/000/${randomUUID()}/htmlfile?c=cb`),
        (s) => s.close(),
      );
      assert.equal(htmlfile.status, 200);
      await htmlfile.waitFor((text) => text.includes('<script>\np("o");\n</script>'), 'the htmlfile open frame');
      const jsonp = await GET(port, `/sockjs/000/${randomUUID()}/jsonp?c=cb`);
      assert.equal(jsonp.status, 200);
      assert.equal(jsonp.body, '/**/cb("o");\r\n');
      const xhr = new XhrPollingSession(port, '/sockjs');
      await xhr.open();
      assert.equal((await xhr.send(['polled'])).status, 204);
      assert.deepEqual(framesOf((await xhr.poll()).body), ['a["polled"]']);
      const raw = resources.add(await WsClient.open(wsUrl(baseUrl, '/sockjs/websocket')), (c) => c.close());
      raw.socket.send('raw route');
      assert.equal(await raw.message(0), 'raw route');
      const sockjsWs = resources.add(await WsClient.open(wsUrl(baseUrl, sockjsWsPath('/sockjs'))), (c) => c.close());
      assert.equal(await sockjsWs.message(0), 'o');
      sockjsWs.socket.send('["framed"]');
      assert.equal(await sockjsWs.message(1), 'a["framed"]');
      const transports = new Set(
        events.items
          .filter((e) => e.kind === 'message' && ['polled', 'raw route', 'framed'].includes(e.data ?? ''))
          .map((e) => e.session.transport),
      );
      assert.deepEqual([...transports].sort(), ['websocket', 'websocket-raw', 'xhr-polling']);
    },
  );
});

describe('registry: several paths, duplicates, lookups, messaging', () => {
  const resources = new Resources();
  after(() => resources.closeAll());

  test('addHandler(handler, "/a", "/b"): two endpoints, each with its own sessions', { timeout: 15_000 }, async () => {
    const events = new Events<Seen>();
    const handler = echoHandler(events, () => '/a or /b');
    const app = resources.add(
      await startApp((registry) => {
        registry.addHandler(handler, '/a', '/b').withSockJS();
      }),
      (a) => a.close(),
    );
    const a = app.registry.endpoint('/a');
    const b = app.registry.endpoint('/b');
    assert.notEqual(a, b);
    assert.equal(a.prefix, '/a');
    assert.equal(b.prefix, '/b');
    const onA = connectSockJs(app.baseUrl + '/a', 'websocket', resources);
    const onB = connectSockJs(app.baseUrl + '/b', 'xhr-polling', resources);
    await Promise.all([onA.opened, onB.opened]);
    onA.sock.send('to a');
    onB.sock.send('to b');
    assert.equal(await onA.message(0), 'to a');
    assert.equal(await onB.message(0), 'to b');
    assert.equal(a.sessions.size, 1);
    assert.equal(b.sessions.size, 1);
    assert.equal([...a.sessions.values()][0]?.transport, 'websocket');
    assert.equal([...b.sessions.values()][0]?.transport, 'xhr-polling');
    assert.equal(a.broadcast('only a'), 1);
    assert.equal(await onA.message(1), 'only a');
    assert.equal(b.broadcast('only b'), 1);
    assert.equal(await onB.message(1), 'only b');
    assert.equal(onA.messages.items.includes('only b'), false);
    assert.equal(onB.messages.items.includes('only a'), false);
  });

  test(
    'mount() throws when a path is registered twice (two registrations, or twice in one)',
    { timeout: 5_000 },
    () => {
      const handler: SockJsHandler = {};
      const twice = new WebSocketHandlerRegistry();
      twice.addHandler(handler, '/dup').withSockJS();
      twice.addHandler(handler, '/dup');
      const server1 = createServer();
      assert.throws(() => twice.mount(express(), server1), isSockJsError('ERR_INVALID_OPTION'));
      assert.throws(() => twice.mount(express(), server1), /registered twice/);
      const inOne = new WebSocketHandlerRegistry();
      inOne.addHandler(handler, '/same', '/same');
      assert.throws(() => inOne.mount(express(), createServer()), /\/same is registered twice/);
      server1.removeAllListeners('upgrade');
    },
  );

  test(
    'addHandler() without a path throws; endpoint(path) throws for a path never mounted',
    { timeout: 5_000 },
    async () => {
      const registry = new WebSocketHandlerRegistry();
      assert.throws(() => registry.addHandler({}), isSockJsError('ERR_INVALID_OPTION'));
      registry.addHandler({}, '/known').withSockJS();
      assert.throws(() => registry.endpoint('/known'), /no endpoint is mounted on \/known/, 'not mounted yet');
      const app = resources.add(await startApp((r) => r.addHandler({}, '/mounted').withSockJS()), (a) => a.close());
      assert.equal(app.registry.endpoint('/mounted').prefix, '/mounted');
      assert.throws(() => app.registry.endpoint('/unknown'), isSockJsError('ERR_INVALID_OPTION'));
      assert.throws(() => app.registry.endpoint('/mounted/'), /no endpoint is mounted/);
    },
  );

  test(
    'endpoint(path).broadcast / sendTo / sendToUser reach the right sessions on every transport',
    { timeout: 20_000 },
    async () => {
      const app = resources.add(
        await startApp((registry) => {
          registry
            .addHandler({}, '/push')
            .setPrincipalResolver(({ req }) => {
              const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user');
              return user ? { name: user } : undefined;
            })
            .withSockJS();
        }),
        (a) => a.close(),
      );
      const endpoint = app.registry.endpoint('/push');
      // sockjs-client keeps the query string on every transport URL.
      const alice1 = connectSockJs(app.baseUrl + '/push?user=alice', 'websocket', resources);
      const alice2 = connectSockJs(app.baseUrl + '/push?user=alice', 'xhr-streaming', resources);
      const bob = connectSockJs(app.baseUrl + '/push?user=bob', 'xhr-polling', resources);
      await Promise.all([alice1.opened, alice2.opened, bob.opened]);
      assert.equal(endpoint.sessions.size, 3);
      assert.equal(endpoint.broadcast('to all'), 3);
      for (const client of [alice1, alice2, bob]) assert.equal(await client.message(0), 'to all');
      assert.equal(endpoint.sendToUser('alice', 'to alice'), 2);
      assert.equal(await alice1.message(1), 'to alice');
      assert.equal(await alice2.message(1), 'to alice');
      assert.equal(endpoint.sendToUser('nobody', 'lost'), 0);
      const bobSession = [...endpoint.sessions.values()].find((s) => s.principal?.name === 'bob');
      assert.ok(bobSession);
      assert.equal(endpoint.sendTo(bobSession.id, 'to bob'), true);
      assert.equal(await bob.message(1), 'to bob');
      assert.equal(endpoint.sendTo('no-such-session', 'lost'), false);
      assert.deepEqual(alice1.messages.items, ['to all', 'to alice']);
      assert.deepEqual(bob.messages.items, ['to all', 'to bob']);
    },
  );

  for (const order of ['outer first', 'inner first'] as const) {
    test(
      `nested paths ("/chat" and "/chat/admin", ${order}): each endpoint serves its own info, xhr and websocket`,
      { timeout: 15_000 },
      async () => {
        const outer: SockJsHandler = { onMessage: (s, m) => void s.send(`outer:${m}`) };
        const inner: SockJsHandler = { onMessage: (s, m) => void s.send(`inner:${m}`) };
        const app = resources.add(
          await startApp((registry) => {
            if (order === 'outer first') {
              registry.addHandler(outer, '/chat').withSockJS();
              registry.addHandler(inner, '/chat/admin').withSockJS();
            } else {
              registry.addHandler(inner, '/chat/admin').withSockJS();
              registry.addHandler(outer, '/chat').withSockJS();
            }
          }),
          (a) => a.close(),
        );
        assert.equal((await GET(app.port, '/chat/info')).status, 200);
        assert.equal((await GET(app.port, '/chat/admin/info')).status, 200, 'GET /chat/admin/info');
        const xhr = new XhrPollingSession(app.port, '/chat/admin');
        await xhr.open();
        assert.equal((await xhr.send(['x'])).status, 204);
        assert.equal(await xhr.pollFrame(), 'a["inner:x"]');
        const ws = resources.add(await WsClient.open(wsUrl(app.baseUrl, sockjsWsPath('/chat/admin'))), (c) =>
          c.close(),
        );
        assert.equal(await ws.message(0), 'o');
        ws.socket.send('["y"]');
        assert.equal(await ws.message(1), 'a["inner:y"]');
        const outerWs = resources.add(await WsClient.open(wsUrl(app.baseUrl, sockjsWsPath('/chat'))), (c) => c.close());
        assert.equal(await outerWs.message(0), 'o');
        outerWs.socket.send('["z"]');
        assert.equal(await outerWs.message(1), 'a["outer:z"]');
      },
    );
  }
});
