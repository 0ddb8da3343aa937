/** Mounting endpoints: Express middleware, several endpoints, attach()/detach, plain http servers, heartbeats. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { after, describe, test } from 'node:test';
import express from 'express';
import { WebSocketServer } from 'ws';
import { createEndpoint, type SockJsEndpoint, type SockJsHandler } from '../../server';
import { HttpStream } from '../support/http-stream';
import { RecordingLogger } from '../support/logger';
import { request } from '../support/raw-http';
import { Recorder } from '../support/recorder';
import { Resources } from '../support/resources';
import { listenTracked, serveEndpoints } from '../support/servers';
import { messagesOf, newSessionId, wsUrl } from '../support/sockjs';
import { WsClient } from '../support/ws-client';

const resources = new Resources();
after(() => resources.closeAll());

const echo: SockJsHandler = {
  onMessage(session, message) {
    session.send(message);
  },
};

/** Closes the endpoint with the server it is mounted on. */
function track(endpoint: SockJsEndpoint): SockJsEndpoint {
  return resources.add(endpoint, (e) => e.close());
}

async function openWs(url: string): Promise<WsClient> {
  return resources.add(await WsClient.open(url), (ws) => ws.close());
}

/** A ws server in noServer mode answering `other:<message>` on /other-ws; ignores every other path. */
function otherWsServer(): {
  wss: WebSocketServer;
  listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
} {
  const wss = resources.add(new WebSocketServer({ noServer: true }), (w) => {
    for (const client of w.clients) client.terminate();
    w.close();
  });
  wss.on('connection', (ws) => ws.on('message', (data: Buffer) => ws.send(`other:${data.toString('utf8')}`)));
  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (req.url !== '/other-ws') return;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  return { wss, listener };
}

describe('Express middleware', () => {
  test(
    'app.use(prefix, middleware): /echo-not and /other reach the app routes; the prefix is ours',
    { timeout: 10_000 },
    async () => {
      const server = resources.add(
        await serveEndpoints([{ prefix: '/echo', handler: echo, logger: new RecordingLogger() }], (app) => {
          app.get('/echo-not', (_req, res) => void res.send('app: echo-not'));
          app.get('/other', (_req, res) => void res.send('app: other'));
          app.all('/echo-not/000/x/xhr', (_req, res) => void res.send('app: echo-not xhr'));
        }),
        (s) => s.close(),
      );
      assert.equal((await request(server.port, 'GET', '/echo-not')).body, 'app: echo-not');
      assert.equal((await request(server.port, 'GET', '/other')).body, 'app: other');
      assert.equal((await request(server.port, 'POST', '/echo-not/000/x/xhr')).body, 'app: echo-not xhr');
      const greeting = await request(server.port, 'GET', '/echo');
      assert.equal(greeting.status, 200);
      assert.equal(greeting.body, 'Welcome to SockJS!\n');
      assert.equal((await request(server.port, 'GET', '/echo/')).body, 'Welcome to SockJS!\n');
      const info = await request(server.port, 'GET', '/echo/info');
      assert.equal(info.status, 200);
      assert.equal((JSON.parse(info.body) as { websocket: unknown }).websocket, true);
      const unknown = await request(server.port, 'GET', '/echo/a/b/c/d');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body, '404 Error: Page not found\n');
    },
  );

  test(
    'app.use(middleware) without a path: the middleware passes every path outside its prefix to next()',
    { timeout: 10_000 },
    async () => {
      const endpoint = track(createEndpoint({ prefix: '/echo', handler: echo, logger: new RecordingLogger() }));
      const app = express();
      app.use(endpoint.middleware);
      app.use((req, res) => void res.status(299).send(`next: ${req.method} ${req.url}`));
      const server = createServer(app);
      endpoint.attach(server);
      const running = resources.add(await listenTracked(server), (r) => r.close());
      for (const path of ['/echo-not', '/echoes/info', '/ech', '/other', '/', '/other/echo/info']) {
        const response = await request(running.port, 'GET', path);
        assert.equal(response.status, 299, path);
        assert.equal(response.body, `next: GET ${path}`);
      }
      const post = await request(running.port, 'POST', '/echo-not/000/x/xhr');
      assert.equal(post.body, 'next: POST /echo-not/000/x/xhr');
      assert.equal((await request(running.port, 'GET', '/echo/info')).status, 200);
      assert.equal((await request(running.port, 'GET', '/echo?x=1')).body, 'Welcome to SockJS!\n');
    },
  );

  test(
    "app.use('/mount', middleware): served under /mount/echo, as behind a proxy that strips /mount; the iframe page's script resolves there",
    { timeout: 10_000 },
    async () => {
      const endpoint = track(createEndpoint({ prefix: '/echo', handler: echo, logger: new RecordingLogger() }));
      const app = express();
      app.use('/mount', endpoint.middleware);
      app.use((req, res) => void res.status(299).send(`next: ${req.method} ${req.originalUrl}`));
      const running = resources.add(await listenTracked(createServer(app)), (r) => r.close());
      assert.equal((await request(running.port, 'GET', '/mount/echo')).body, 'Welcome to SockJS!\n');
      assert.equal((await request(running.port, 'GET', '/mount/echo/info')).status, 200);
      assert.equal((await request(running.port, 'POST', `/mount/echo/000/${newSessionId()}/xhr`)).body, 'o\n');
      for (const path of ['/mount/other', '/mount/echo-not/info', '/echo/info']) {
        assert.equal((await request(running.port, 'GET', path)).body, `next: GET ${path}`, path);
      }
      const page = await request(running.port, 'GET', '/mount/echo/iframe.html');
      const src = /<script src="([^"]*)"><\/script>/.exec(page.body)?.[1] ?? '';
      assert.match(src, /^\.\/sockjs-client\.[0-9a-f]{12}\.min\.js$/, 'relative to the page');
      const script = await request(
        running.port,
        'GET',
        new URL(src, `http://127.0.0.1/mount/echo/iframe.html`).pathname,
      );
      assert.equal(script.status, 200);
      assert.match(script.header('content-type') ?? '', /^application\/javascript/);
      assert.equal(endpoint.clientScriptUrl, `/echo${src.slice(1)}`, 'for pages elsewhere: the path under the prefix');
    },
  );

  test(
    'several endpoints on one server: each serves its own sessions with its own handler',
    { timeout: 10_000 },
    async () => {
      const a = new Recorder({ onMessage: (s, m) => void s.send(`a:${m}`) });
      const b = new Recorder({ onMessage: (s, m) => void s.send(`b:${m}`) });
      const server = resources.add(
        await serveEndpoints([
          { prefix: '/a', handler: a.handler, logger: new RecordingLogger() },
          { prefix: '/b', handler: b.handler, logger: new RecordingLogger() },
          { prefix: '/a-longer', handler: echo, logger: new RecordingLogger() },
        ]),
        (s) => s.close(),
      );
      for (const [prefix, tag] of [
        ['/a', 'a'],
        ['/b', 'b'],
        ['/a-longer', ''],
      ] as const) {
        const ws = await openWs(wsUrl(server.baseUrl, `${prefix}/000/${newSessionId()}/websocket`));
        assert.equal(await ws.next('o'), 'o');
        ws.send('["hi"]');
        assert.deepEqual(messagesOf(await ws.next('the echo')), [tag === '' ? 'hi' : `${tag}:hi`]);
        const raw = await openWs(wsUrl(server.baseUrl, `${prefix}/websocket`));
        raw.send('raw');
        assert.equal(await raw.next('the raw echo'), tag === '' ? 'raw' : `${tag}:raw`);
      }
      // The same session id on two endpoints is two sessions.
      const id = newSessionId();
      assert.equal((await request(server.port, 'POST', `/a/000/${id}/xhr`)).body, 'o\n');
      assert.equal((await request(server.port, 'POST', `/b/000/${id}/xhr`)).body, 'o\n');
      assert.equal(a.count('open'), 3);
      assert.equal(b.count('open'), 3);
      assert.equal(server.endpoints[0]?.sessions.get(id)?.transport, 'xhr-polling');
      assert.notEqual(server.endpoints[0]?.sessions.get(id), server.endpoints[1]?.sessions.get(id));
    },
  );
});

describe('nested prefixes', () => {
  test(
    'endpoints at /nest/inner and /nest on one server: each takes its own websockets',
    { timeout: 10_000 },
    async () => {
      const tagged = (tag: string): SockJsHandler => ({ onMessage: (s, m) => void s.send(`${tag}:${m}`) });
      // The inner endpoint is mounted (and attached) first, as Express needs for the HTTP routes.
      const server = resources.add(
        await serveEndpoints([
          { prefix: '/nest/inner', handler: tagged('inner'), logger: new RecordingLogger() },
          { prefix: '/nest', handler: tagged('outer'), logger: new RecordingLogger() },
        ]),
        (s) => s.close(),
      );
      assert.equal((await request(server.port, 'GET', '/nest/inner/info')).status, 200);
      assert.equal((await request(server.port, 'GET', '/nest/info')).status, 200);

      const outer = await openWs(wsUrl(server.baseUrl, '/nest/websocket'));
      outer.send('x');
      assert.equal(await outer.next('the outer echo'), 'outer:x');

      // The outer endpoint also sees this upgrade (its path is under /nest) and must leave it alone.
      const innerRaw = await openWs(wsUrl(server.baseUrl, '/nest/inner/websocket'));
      innerRaw.send('y');
      assert.equal(await innerRaw.next('the inner raw echo'), 'inner:y');
      assert.equal(innerRaw.isClosed, false);

      const innerSockJs = await openWs(wsUrl(server.baseUrl, `/nest/inner/000/${newSessionId()}/websocket`));
      assert.equal(await innerSockJs.next('o'), 'o');
      innerSockJs.send('["z"]');
      assert.deepEqual(messagesOf(await innerSockJs.next('the inner echo')), ['inner:z']);
    },
  );
});

describe('attach()', () => {
  test(
    "attach() adds one upgrade listener, leaves the server's other upgrade and request listeners working",
    { timeout: 10_000 },
    async () => {
      const endpoint = track(createEndpoint({ prefix: '/echo', handler: echo, logger: new RecordingLogger() }));
      const app = express();
      app.get('/plain', (_req, res) => void res.send('plain'));
      const server = createServer(app);
      const other = otherWsServer();
      server.on('upgrade', other.listener);
      const requestListeners = server.listeners('request');
      const detach = endpoint.attach(server);
      resources.add(detach, (d) => d());
      assert.deepEqual(server.listeners('request'), requestListeners, 'request listeners untouched');
      assert.equal(server.listenerCount('upgrade'), 2);
      assert.ok(server.listeners('upgrade').includes(other.listener));
      const running = resources.add(await listenTracked(server), (r) => r.close());

      const otherWs = await openWs(wsUrl(running.baseUrl, '/other-ws'));
      otherWs.send('ping');
      assert.equal(await otherWs.next('the other ws echo'), 'other:ping');
      const raw = await openWs(wsUrl(running.baseUrl, '/echo/websocket'));
      raw.send('ping');
      assert.equal(await raw.next('the raw echo'), 'ping');
      const sockjs = await openWs(wsUrl(running.baseUrl, `/echo/000/${newSessionId()}/websocket`));
      assert.equal(await sockjs.next('o'), 'o');
      assert.equal((await request(running.port, 'GET', '/plain')).body, 'plain');
    },
  );

  test(
    'the function attach() returns removes exactly its own listener; the other ws server keeps working',
    { timeout: 10_000 },
    async () => {
      const endpoint = track(createEndpoint({ prefix: '/echo', handler: echo, logger: new RecordingLogger() }));
      const server = createServer((_req, res) => void res.end('plain'));
      const other = otherWsServer();
      const detach = endpoint.attach(server);
      server.on('upgrade', other.listener);
      const running = resources.add(await listenTracked(server), (r) => r.close());
      const before = await openWs(wsUrl(running.baseUrl, '/echo/websocket'));
      before.send('x');
      assert.equal(await before.next('echo before detaching'), 'x');

      detach();
      assert.deepEqual(server.listeners('upgrade'), [other.listener]);
      detach(); // a second call is harmless
      assert.deepEqual(server.listeners('upgrade'), [other.listener]);
      const otherWs = await openWs(wsUrl(running.baseUrl, '/other-ws'));
      otherWs.send('still');
      assert.equal(await otherWs.next('the other ws echo'), 'other:still');
      // The already open session is not affected by detaching.
      before.send('y');
      assert.equal(await before.next('echo after detaching'), 'y');
    },
  );

  test('a stale detach leaves a later attachment alone; detaching removes the checkContinue listener too', () => {
    const a = track(createEndpoint({ prefix: '/a', handler: echo, logger: new RecordingLogger() }));
    const b = track(createEndpoint({ prefix: '/b', handler: echo, logger: new RecordingLogger() }));
    const server = createServer();
    const detachA = a.attach(server);
    assert.equal(server.listenerCount('checkContinue'), 1);
    detachA();
    assert.equal(server.listenerCount('upgrade'), 0);
    assert.equal(server.listenerCount('checkContinue'), 0);
    const detachB = b.attach(server);
    detachA(); // stale: must not forget b's attachment
    const detachA2 = a.attach(server); // joins b's listeners instead of adding a second pair
    assert.equal(server.listenerCount('upgrade'), 1);
    assert.equal(server.listenerCount('checkContinue'), 1);
    detachB();
    detachA2();
    assert.equal(server.listenerCount('upgrade'), 0);
    assert.equal(server.listenerCount('checkContinue'), 0);
  });

  test(
    "a server's own checkContinue listener keeps those requests: the endpoint's listener stands aside",
    { timeout: 10_000 },
    async () => {
      const endpoint = track(createEndpoint({ prefix: '/echo', handler: echo, logger: new RecordingLogger() }));
      const server = createServer((_req, res) => void res.end('request listener'));
      resources.add(endpoint.attach(server), (d) => d());
      server.on('checkContinue', (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(417).end('mine'));
      const running = resources.add(await listenTracked(server), (r) => r.close());
      const answer = await request(running.port, 'POST', `/echo/000/${newSessionId()}/xhr_send`, {
        headers: { Expect: '100-continue', 'Content-Length': '4' },
      });
      assert.equal(answer.status, 417);
      assert.equal(answer.body, 'mine');
    },
  );

  test(
    'after detaching, upgrades to the prefix are no longer taken (they fall through to the request handler)',
    { timeout: 10_000 },
    async () => {
      const endpoint = track(createEndpoint({ prefix: '/echo', handler: echo, logger: new RecordingLogger() }));
      const app = express();
      app.use('/echo', endpoint.middleware);
      const server = createServer(app);
      const detach = endpoint.attach(server);
      const running = resources.add(await listenTracked(server), (r) => r.close());
      const ws = await openWs(wsUrl(running.baseUrl, '/echo/websocket'));
      await ws.close();
      detach();
      assert.equal(server.listenerCount('upgrade'), 0);
      // With no upgrade listener Node hands the request to 'request': our middleware answers 400.
      await assert.rejects(WsClient.open(wsUrl(running.baseUrl, '/echo/websocket')), /HTTP 400/);
    },
  );
});

describe('plain http.createServer', () => {
  test(
    'endpoint.handleRequest serves SockJS and answers false (writing nothing) for other paths',
    { timeout: 10_000 },
    async () => {
      const endpoint = track(createEndpoint({ prefix: '/sock', handler: echo, logger: new RecordingLogger() }));
      const handled: Array<[string, boolean]> = [];
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const ours = endpoint.handleRequest(req, res);
        handled.push([req.url ?? '', ours]);
        if (!ours) {
          assert.equal(res.headersSent, false);
          res.writeHead(418, { 'Content-Type': 'text/plain' });
          res.end('not sockjs');
        }
      });
      endpoint.attach(server);
      const running = resources.add(await listenTracked(server), (r) => r.close());

      assert.equal((await request(running.port, 'GET', '/sock')).body, 'Welcome to SockJS!\n');
      assert.equal((await request(running.port, 'GET', '/sock/info')).status, 200);
      const other = await request(running.port, 'GET', '/sockets');
      assert.equal(other.status, 418);
      assert.equal(other.body, 'not sockjs');
      assert.equal((await request(running.port, 'GET', '/')).status, 418);

      const id = newSessionId();
      assert.equal((await request(running.port, 'POST', `/sock/000/${id}/xhr`)).body, 'o\n');
      const sent = await request(running.port, 'POST', `/sock/000/${id}/xhr_send`, {
        body: '["x","y"]',
        headers: { 'Content-Type': 'text/plain' },
      });
      assert.equal(sent.status, 204);
      assert.equal((await request(running.port, 'POST', `/sock/000/${id}/xhr`)).body, 'a["x","y"]\n');

      const ws = await openWs(wsUrl(running.baseUrl, `/sock/000/${newSessionId()}/websocket`));
      assert.equal(await ws.next('o'), 'o');
      ws.send('["z"]');
      assert.deepEqual(messagesOf(await ws.next('the echo')), ['z']);

      assert.deepEqual(
        handled.filter(([, ours]) => !ours).map(([url]) => url),
        ['/sockets', '/'],
      );
    },
  );

  test(
    'endpoint.handleUpgrade answers false and leaves the socket alone outside its prefix',
    { timeout: 10_000 },
    async () => {
      const endpoint = track(createEndpoint({ prefix: '/sock', handler: echo, logger: new RecordingLogger() }));
      const other = otherWsServer();
      const results: boolean[] = [];
      const server = createServer((_req, res) => void res.end());
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const ours = endpoint.handleUpgrade(req, socket, head);
        results.push(ours);
        if (!ours) other.listener(req, socket, head);
      });
      const running = resources.add(await listenTracked(server), (r) => r.close());
      const otherWs = await openWs(wsUrl(running.baseUrl, '/other-ws'));
      otherWs.send('a');
      assert.equal(await otherWs.next('the other ws echo'), 'other:a');
      const raw = await openWs(wsUrl(running.baseUrl, '/sock/websocket'));
      raw.send('b');
      assert.equal(await raw.next('the raw echo'), 'b');
      assert.deepEqual(results, [false, true]);
    },
  );
});

describe('heartbeats', () => {
  test('with heartbeatDelay 100, an idle xhr-streaming receiver gets an h frame', { timeout: 10_000 }, async () => {
    const server = resources.add(
      await serveEndpoints([{ prefix: '/hb', handler: echo, heartbeatDelay: 100, logger: new RecordingLogger() }]),
      (s) => s.close(),
    );
    const stream = resources.add(
      await HttpStream.open(server.port, 'POST', `/hb/000/${newSessionId()}/xhr_streaming`),
      (s) => s.close(),
    );
    await stream.waitFor((text) => text.includes('\no\n'), 'the open frame');
    await stream.waitFor((t) => t.endsWith('\no\nh\n'), 'a heartbeat frame', 2000);
    await stream.waitFor((t) => t.endsWith('\no\nh\nh\n'), 'a second heartbeat frame', 2000);
  });

  test('with heartbeatDelay 100, an idle websocket gets an h frame', { timeout: 10_000 }, async () => {
    const server = resources.add(
      await serveEndpoints([{ prefix: '/hb', handler: echo, heartbeatDelay: 100, logger: new RecordingLogger() }]),
      (s) => s.close(),
    );
    const ws = await openWs(wsUrl(server.baseUrl, `/hb/000/${newSessionId()}/websocket`));
    assert.equal(await ws.next('o'), 'o');
    assert.equal(await ws.next('a heartbeat', 2000), 'h');
    assert.equal(await ws.next('a second heartbeat', 2000), 'h');
  });

  test('with heartbeatDelay 100, an idle xhr poll is answered with h', { timeout: 10_000 }, async () => {
    const server = resources.add(
      await serveEndpoints([{ prefix: '/hb', handler: echo, heartbeatDelay: 100, logger: new RecordingLogger() }]),
      (s) => s.close(),
    );
    const id = newSessionId();
    assert.equal((await request(server.port, 'POST', `/hb/000/${id}/xhr`)).body, 'o\n');
    assert.equal((await request(server.port, 'POST', `/hb/000/${id}/xhr`)).body, 'h\n');
  });
});
