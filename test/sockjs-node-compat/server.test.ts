/**
 * The compat server itself: its options (checked, unlike sockjs-node's), installHandlers leaving
 * the server's own listeners in place, our secure defaults and the options that relax them, and
 * middleware() beside sockjs 0.3.24's.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { isSockJsError } from '../../server';
import { createServer as createSockjsServer, listen, SOCKJS_NODE_OPTION_KEYS } from '../../server/sockjs-node';
import { useStarted } from '../support/resources';
import { connectSockJs, NODE_CLIENT_TRANSPORTS } from '../support/sockjs-client';
import { serveFixture, TARGETS, type Target } from './fixture-server';
import type { Connection, Service } from './fixtures/sockjs-node-module';

const quiet = { log: () => undefined };

function invalidOption(pattern: RegExp): (error: unknown) => boolean {
  return (error) => isSockJsError(error) && error.code === 'ERR_INVALID_OPTION' && pattern.test(error.message);
}

function send(
  url: string,
  method: string,
  headers: Record<string, string> = {},
): Promise<{ status: number | undefined; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('options', () => {
  test('unknown keys throw ERR_INVALID_OPTION, at createServer and at installHandlers', () => {
    assert.throws(() => createSockjsServer({ prefx: '/a' } as object), invalidOption(/"prefx".*"prefix"/));
    const server = createSockjsServer(quiet);
    assert.throws(
      () => server.installHandlers(createServer(), { heartbeatDelay: 5 } as object),
      invalidOption(/"heartbeatDelay".*"heartbeat_delay"/),
    );
  });

  test('bad values throw at createServer, under the sockjs-node name or ours', () => {
    assert.throws(
      () => createSockjsServer({ heartbeat_delay: 'soon' } as object),
      invalidOption(/heartbeat_delay \(our heartbeatDelay must/),
    );
    assert.throws(() => createSockjsServer({ prefix: 'echo' }), invalidOption(/prefix/));
    assert.throws(() => createSockjsServer({ log: 'stdout' } as object), invalidOption(/log/));
    assert.throws(() => createSockjsServer({ allowedOrigins: '*' } as object), invalidOption(/allowedOrigins/));
  });

  test('faye_server_options cannot be honoured: only null, its default, is taken', () => {
    assert.throws(() => createSockjsServer({ faye_server_options: { ping: 10 } } as object), invalidOption(/faye/));
    assert.doesNotThrow(() => createSockjsServer({ faye_server_options: null, ...quiet }));
  });

  test('every sockjs-node option has a key, and ours pass through', () => {
    for (const key of ['prefix', 'sockjs_url', 'heartbeat_delay', 'disconnect_delay', 'response_limit']) {
      assert.ok(SOCKJS_NODE_OPTION_KEYS.includes(key), key);
    }
    for (const key of ['websocket', 'jsessionid', 'log', 'faye_server_options', 'allowedOrigins', 'sessionBinding']) {
      assert.ok(SOCKJS_NODE_OPTION_KEYS.includes(key), key);
    }
    assert.doesNotThrow(() => createSockjsServer({ allowedOrigins: ['*'], sessionBinding: 'none', ...quiet }));
  });
});

describe('installHandlers', () => {
  const seen: string[] = [];
  const upgrades: string[] = [];
  const strict = createSockjsServer(quiet);
  const open = createSockjsServer({ ...quiet, allowedOrigins: ['*'] });
  const servers = useStarted(async (resources) => {
    const server = createServer();
    server.on('request', (req, res) => {
      seen.push(req.url ?? '');
      res.end('mine');
    });
    server.on('upgrade', (req, socket: { end(): void }) => {
      upgrades.push(req.url ?? '');
      socket.end();
    });
    for (const service of [strict, open]) {
      service.on('connection', (conn: { on(e: 'data', l: (m: string) => void): void; write(m: string): boolean }) =>
        conn.on('data', (m) => conn.write(m)),
      );
    }
    strict.installHandlers(server, { prefix: '/strict' });
    open.installHandlers(server, { prefix: '/open' });
    return serveFixture({ server, services: [strict, open] satisfies Service[] }, resources);
  });

  test("keeps the server's listeners, which get every request and upgrade outside the prefixes", async () => {
    const { server, baseUrl } = servers.running();
    assert.equal(server.listenerCount('request'), 1);
    // One added later is routed around our prefixes too.
    const late: string[] = [];
    const lateListener = (req: { url?: string }) => late.push(req.url ?? '');
    server.on('request', lateListener);
    try {
      assert.equal((await send(`${baseUrl}/strict`, 'GET')).body, 'Welcome to SockJS!\n');
      assert.equal((await send(`${baseUrl}/other`, 'GET')).body, 'mine');
      assert.equal((await send(`${baseUrl}/strictly`, 'GET')).body, 'mine');
    } finally {
      server.off('request', lateListener);
    }
    assert.deepEqual(seen.splice(0), ['/other', '/strictly']);
    assert.deepEqual(late, ['/other', '/strictly']);
    const refused = await send(`${baseUrl}/other/websocket`, 'GET', {
      connection: 'Upgrade',
      upgrade: 'websocket',
    }).catch((error: unknown) => error);
    assert.ok(refused instanceof Error, 'the listener ended the socket');
    assert.deepEqual(upgrades, ['/other/websocket']);
  });

  test('a cross-origin request is refused by default (sockjs-node allowed any); allowedOrigins ["*"] lets it in', async () => {
    const { baseUrl } = servers.running();
    const origin = { origin: 'https://elsewhere.example' };
    assert.equal((await send(`${baseUrl}/strict/000/aaaa/xhr`, 'POST', origin)).status, 403);
    const allowed = await send(`${baseUrl}/open/000/aaaa/xhr`, 'POST', origin);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body, 'o\n');
    assert.equal(allowed.headers['access-control-allow-origin'], origin.origin);
  });

  test('listen(httpServer, options) is createServer then installHandlers', async (t) => {
    const server = createServer((_req, res) => res.end('mine'));
    const service = listen(server, { prefix: '/listened', ...quiet });
    const listening = await serveFixture({ server, services: [service] }, servers.resources);
    t.after(() => service.close());
    assert.equal((await send(`${listening.baseUrl}/listened`, 'GET')).body, 'Welcome to SockJS!\n');
    assert.equal((await send(`${listening.baseUrl}/elsewhere`, 'GET')).body, 'mine');
  });

  test("close() (ours, not sockjs-node's) closes the sessions with 1001 and stops routing", async () => {
    const { baseUrl } = servers.running();
    const client = connectSockJs(`${baseUrl}/open`, 'websocket', servers.resources);
    await client.opened;
    await open.close();
    assert.deepEqual(await client.closed.then(({ code, reason }) => ({ code, reason })), {
      code: 1001,
      reason: 'Going away',
    });
    assert.equal((await send(`${baseUrl}/open`, 'GET')).body, 'mine');
  });
});

/** The part of both modules `middleware()` is: sockjs-node's has the same shape. */
interface MiddlewareModule {
  createServer(options?: object): Service & {
    middleware(options?: object): {
      (req: IncomingMessage, res: ServerResponse): boolean;
      upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
    };
  };
}

describe('middleware(), against sockjs 0.3.24', () => {
  const modules: Record<Target, MiddlewareModule> = {
    ours: { createServer: createSockjsServer },
    reference: require('sockjs') as MiddlewareModule,
  };
  const servers = useStarted(async (resources) => {
    const start = (target: Target) => {
      const service = modules[target].createServer(quiet);
      service.on('connection', (conn: Connection) => conn.on('data', (m: string) => conn.write(m)));
      const handler = service.middleware({ prefix: '/echo' });
      const server = createServer((req, res) => {
        if (!handler(req, res)) res.end('mine');
      });
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!handler.upgrade(req, socket, head)) socket.end();
      });
      return serveFixture({ server, services: [service] }, resources);
    };
    return { ours: await start('ours'), reference: await start('reference') };
  });

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(`${transport}: serves its prefix, says false for the rest`, async () => {
      for (const target of TARGETS) {
        const { baseUrl } = servers.running()[target];
        const client = connectSockJs(`${baseUrl}/echo`, transport, servers.resources);
        await client.opened;
        client.sock.send('through the middleware');
        assert.equal(await client.message(0), 'through the middleware', target);
        client.sock.close();
        await client.closed;
        assert.equal((await send(`${baseUrl}/other`, 'GET')).body, 'mine', target);
      }
    });
  }
});

describe('a data listener that throws (sockjs-node let it escape)', () => {
  const lines: [string, string][] = [];
  const servers = useStarted(async (resources) => {
    const service = createSockjsServer({ log: (severity, line) => lines.push([severity, line]) });
    service.on('connection', (conn: Connection) =>
      conn.on('data', () => {
        throw new Error('listener bug');
      }),
    );
    const server = createServer();
    service.installHandlers(server, { prefix: '/throws' });
    return serveFixture({ server, services: [service] }, resources);
  });

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(`${transport}: closes the session with 1011 and logs it to log() as an error`, async () => {
      lines.splice(0);
      const client = connectSockJs(`${servers.running().baseUrl}/throws`, transport, servers.resources);
      await client.opened;
      client.sock.send('boom');
      const { code, reason } = await client.closed;
      assert.deepEqual({ code, reason }, { code: 1011, reason: 'Server error' });
      assert.ok(
        lines.some(([severity, line]) => severity === 'error' && line.includes('listener bug')),
        JSON.stringify(lines),
      );
    });
  }
});
