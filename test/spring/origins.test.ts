/**
 * Allowed origins (OriginPolicy through setAllowedOrigins): same origin by default, exact origins
 * and `*` patterns, `'null'` only when listed, `'*'` for all; checked on info, every HTTP
 * transport, xhr_send/jsonp_send and websocket upgrades; and the iframe page's CSP
 * `frame-ancestors`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { SockJsHandler } from '../../server';
import { GET, openStream, OPTIONS, POST } from '../support/raw-http';
import { rawUpgrade } from '../support/raw-ws';
import { sockjsWsPath, wsUrl } from '../support/sockjs';
import { connectSockJs } from '../support/sockjs-client';
import { useSpringApp } from '../support/spring';
import { withTimeout } from '../support/wait';
import { WsClient, wsRefusal } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

const echo: SockJsHandler = {
  onMessage(session, message) {
    session.send(message);
  },
};

const { running, resources } = useSpringApp((registry) => {
  registry.addHandler(echo, '/same').withSockJS({ disconnectDelay: 30_000 });
  registry.addHandler(echo, '/plain-same');
  registry
    .addHandler(echo, '/listed')
    .setAllowedOrigins('https://app.example.com')
    .setAllowedOriginPatterns('http://*.example.com', 'http://localhost:*')
    .withSockJS({ disconnectDelay: 30_000 });
  registry.addHandler(echo, '/plain-listed').setAllowedOrigins('https://app.example.com', 'http://*.example.com');
  registry
    .addHandler(echo, '/nulls')
    .setAllowedOrigins('null', 'https://app.example.com')
    .withSockJS({ disconnectDelay: 30_000 });
  registry.addHandler(echo, '/any').setAllowedOrigins('*').withSockJS({ disconnectDelay: 30_000 });
});

type Check =
  | 'info'
  | 'info OPTIONS'
  | 'xhr'
  | 'xhr OPTIONS'
  | 'xhr_streaming'
  | 'xhr_send'
  | 'eventsource'
  | 'htmlfile'
  | 'jsonp'
  | 'jsonp_send'
  | 'websocket'
  | 'raw websocket';

const ALL_CHECKS: readonly Check[] = [
  'info',
  'info OPTIONS',
  'xhr',
  'xhr OPTIONS',
  'xhr_streaming',
  'xhr_send',
  'eventsource',
  'htmlfile',
  'jsonp',
  'jsonp_send',
  'websocket',
  'raw websocket',
];

/** The status of a streaming response's head; the connection is dropped after it. */
async function streamStatus(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<number> {
  const { conn, head } = await openStream(port, method, path, { headers });
  conn.destroy();
  return head.status;
}

async function upgradeStatus(port: number, path: string, headers: Record<string, string>): Promise<number> {
  const { conn, head } = await rawUpgrade(port, path, headers);
  conn.destroy();
  return head.status;
}

/** What every origin-checked route of a SockJS endpoint answers a request with these headers. */
async function statuses(prefix: string, headers: Record<string, string>): Promise<Record<Check, number>> {
  const { port } = running();
  const fresh = (): string => `${prefix}/000/${randomUUID()}`;
  // xhr_send and jsonp_send need a session of their kind: opened without an Origin header.
  const session = new XhrPollingSession(port, prefix);
  await session.open();
  const jsonpSession = fresh();
  assert.equal((await GET(port, `${jsonpSession}/jsonp?c=cb`)).body, '/**/cb("o");\r\n');
  const preflight = { 'Access-Control-Request-Method': 'POST', ...headers };
  return {
    info: (await GET(port, `${prefix}/info`, { headers })).status,
    'info OPTIONS': (await OPTIONS(port, `${prefix}/info`, { headers: preflight })).status,
    xhr: (await POST(port, `${fresh()}/xhr`, { headers })).status,
    'xhr OPTIONS': (await OPTIONS(port, `${fresh()}/xhr`, { headers: preflight })).status,
    xhr_streaming: await streamStatus(port, 'POST', `${fresh()}/xhr_streaming`, headers),
    xhr_send: (
      await POST(port, `${session.base}/xhr_send`, {
        headers: { 'Content-Type': 'text/plain', ...headers },
        body: '["x"]',
      })
    ).status,
    eventsource: await streamStatus(port, 'GET', `${fresh()}/eventsource`, headers),
    htmlfile: await streamStatus(port, 'GET', `${fresh()}/htmlfile?c=cb`, headers),
    jsonp: (await GET(port, `${fresh()}/jsonp?c=cb`, { headers })).status,
    jsonp_send: (
      await POST(port, `${jsonpSession}/jsonp_send`, {
        headers: { 'Content-Type': 'text/plain', ...headers },
        body: '["y"]',
      })
    ).status,
    websocket: await upgradeStatus(port, `${fresh()}/websocket`, headers),
    'raw websocket': await upgradeStatus(port, `${prefix}/websocket`, headers),
  };
}

/** The statuses every route answers when the origin is allowed. */
const ALLOWED: Record<Check, number> = {
  info: 200,
  'info OPTIONS': 204,
  xhr: 200,
  'xhr OPTIONS': 204,
  xhr_streaming: 200,
  xhr_send: 204,
  eventsource: 200,
  htmlfile: 200,
  jsonp: 200,
  jsonp_send: 200,
  websocket: 101,
  'raw websocket': 101,
};

const REFUSED = Object.fromEntries(ALL_CHECKS.map((check) => [check, 403])) as Record<Check, number>;

async function assertAllowed(prefix: string, origin: string | undefined, host?: string): Promise<void> {
  const headers: Record<string, string> = {};
  if (origin !== undefined) headers['Origin'] = origin;
  if (host !== undefined) headers['Host'] = host;
  assert.deepEqual(await statuses(prefix, headers), ALLOWED, `${prefix} with Origin ${String(origin)} must be allowed`);
}

async function assertRefused(prefix: string, origin: string): Promise<void> {
  assert.deepEqual(
    await statuses(prefix, { Origin: origin }),
    REFUSED,
    `${prefix} with Origin ${origin} must be refused`,
  );
}

describe('default: same origin only', () => {
  test('an Origin matching the Host header passes on every route', { timeout: 15_000 }, async () => {
    await assertAllowed('/same', `http://127.0.0.1:${running().port}`);
  });

  test(
    'same origin is decided against the Host header (another host name, default ports)',
    { timeout: 15_000 },
    async () => {
      await assertAllowed('/same', 'http://app.test:8080', 'app.test:8080');
      await assertAllowed('/same', 'http://app.test', 'app.test');
      await assertAllowed('/same', 'http://app.test:80', 'app.test');
      await assertAllowed('/same', 'HTTP://APP.TEST:8080', 'app.test:8080');
    },
  );

  test('no Origin header (non-browser clients) passes on every route', { timeout: 15_000 }, async () => {
    await assertAllowed('/same', undefined);
  });

  test(
    'another origin gets 403 on info, xhr, xhr_streaming, xhr_send, eventsource, htmlfile, jsonp, jsonp_send and websockets',
    { timeout: 15_000 },
    async () => {
      const { port } = running();
      await assertRefused('/same', 'http://evil.example');
      await assertRefused('/same', `http://localhost:${port}`);
      await assertRefused('/same', `http://127.0.0.1:${port + 1 > 65535 ? 1 : port + 1}`);
      await assertRefused('/same', 'null');
      // The same through the ws client's own `origin` option.
      const { baseUrl } = running();
      assert.deepEqual(await wsRefusal(wsUrl(baseUrl, sockjsWsPath('/same')), { origin: 'http://evil.example' }), {
        status: 403,
        body: 'Origin not allowed',
      });
      assert.equal((await wsRefusal(wsUrl(baseUrl, '/plain-same'), { origin: 'http://evil.example' })).status, 403);
      const allowed = resources.add(
        await WsClient.open(wsUrl(baseUrl, sockjsWsPath('/same')), { origin: `http://127.0.0.1:${port}` }),
        (c) => c.close(),
      );
      assert.equal(await allowed.message(0), 'o');
    },
  );

  test(
    'a refused xhr_send delivers nothing and the 403 carries "Origin not allowed"',
    { timeout: 10_000 },
    async () => {
      const session = new XhrPollingSession(running().port, '/same');
      await session.open();
      const refused = await session.send(['sneaky'], { Origin: 'http://evil.example' });
      assert.equal(refused.status, 403);
      assert.equal(refused.body, 'Origin not allowed');
      assert.equal((await session.send(['honest'])).status, 204);
      assert.equal(await session.pollFrame(), 'a["honest"]');
    },
  );

  test(
    'a plain websocket endpoint: same origin and no Origin upgrade (101), another origin is 403',
    { timeout: 10_000 },
    async () => {
      const { port } = running();
      assert.equal(await upgradeStatus(port, '/plain-same', { Origin: `http://127.0.0.1:${port}` }), 101);
      assert.equal(await upgradeStatus(port, '/plain-same', {}), 101);
      assert.equal(await upgradeStatus(port, '/plain-same', { Origin: 'http://evil.example' }), 403);
      assert.equal(await upgradeStatus(port, '/plain-same', { Origin: 'null' }), 403);
    },
  );

  test(
    'sockjs-client in Node (no Origin header) opens on every transport of a same-origin endpoint',
    { timeout: 20_000 },
    async () => {
      for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling'] as const) {
        const client = connectSockJs(running().baseUrl + '/same', transport, resources);
        await client.opened;
        client.sock.send('hi');
        assert.equal(await client.message(0), 'hi');
        client.sock.close();
        await withTimeout(client.closed, 'the client close');
      }
    },
  );
});

describe('listed origins and patterns', () => {
  test(
    'an exact origin passes (case-insensitively); the same host on another scheme or port does not',
    { timeout: 15_000 },
    async () => {
      await assertAllowed('/listed', 'https://app.example.com');
      await assertAllowed('/listed', 'HTTPS://App.Example.COM');
      await assertRefused('/listed', 'https://other.example.com');
      await assertRefused('/listed', 'https://app.example.com:8443');
    },
  );

  test('http://*.example.com matches any subdomain over http, nothing else', { timeout: 20_000 }, async () => {
    await assertAllowed('/listed', 'http://a.example.com');
    await assertAllowed('/listed', 'http://a.b.example.com');
    await assertRefused('/listed', 'http://example.com');
    await assertRefused('/listed', 'http://evilexample.com');
    await assertRefused('/listed', 'http://a.example.com.evil.com');
    await assertRefused('/listed', 'http://a.example.com:8080');
  });

  test('http://localhost:* matches any port of localhost, not a look-alike host', { timeout: 15_000 }, async () => {
    await assertAllowed('/listed', 'http://localhost:3000');
    await assertAllowed('/listed', 'http://localhost:65535');
    await assertRefused('/listed', 'http://localhost.evil.com:3000');
    await assertRefused('/listed', 'https://localhost:3000');
  });

  test('same origin still passes on an endpoint with a list', { timeout: 10_000 }, async () => {
    await assertAllowed('/listed', `http://127.0.0.1:${running().port}`);
  });

  test("'null' (sandboxed iframes, file: pages) is refused unless listed", { timeout: 15_000 }, async () => {
    await assertRefused('/listed', 'null');
    await assertAllowed('/nulls', 'null');
    await assertAllowed('/nulls', 'https://app.example.com');
    await assertRefused('/nulls', 'http://a.example.com');
  });

  test('a plain websocket endpoint applies the list to its upgrade', { timeout: 10_000 }, async () => {
    const { port } = running();
    assert.equal(await upgradeStatus(port, '/plain-listed', { Origin: 'https://app.example.com' }), 101);
    assert.equal(await upgradeStatus(port, '/plain-listed', { Origin: 'http://x.example.com' }), 101);
    assert.equal(await upgradeStatus(port, '/plain-listed', { Origin: 'http://evil.example' }), 403);
  });

  test("'*' allows every origin, 'null' included", { timeout: 15_000 }, async () => {
    await assertAllowed('/any', 'http://evil.example');
    await assertAllowed('/any', 'null');
    await assertAllowed('/any', undefined);
  });
});

describe("the iframe page's Content-Security-Policy", () => {
  const csp = async (path: string): Promise<string | undefined> => {
    const response = await GET(running().port, path);
    assert.equal(response.status, 200);
    assert.match(response.body, /SockJS\.bootstrap_iframe\(\)/);
    return response.header('content-security-policy');
  };

  test("default: frame-ancestors 'self'", { timeout: 10_000 }, async () => {
    assert.equal(await csp('/same/iframe.html'), "frame-ancestors 'self'");
    assert.equal(await csp('/same/iframe-1.2.3.html'), "frame-ancestors 'self'");
  });

  test(
    "a list: frame-ancestors 'self' and every listed origin and pattern ('null' left out)",
    { timeout: 10_000 },
    async () => {
      assert.equal(
        await csp('/listed/iframe.html'),
        "frame-ancestors 'self' https://app.example.com http://*.example.com http://localhost:*",
      );
      assert.equal(await csp('/nulls/iframe.html'), "frame-ancestors 'self' https://app.example.com");
    },
  );

  test("'*': no Content-Security-Policy header", { timeout: 10_000 }, async () => {
    assert.equal(await csp('/any/iframe.html'), undefined);
  });

  test('a cached iframe page (304) keeps the policy', { timeout: 10_000 }, async () => {
    const first = await GET(running().port, '/listed/iframe.html');
    const etag = first.header('etag');
    assert.ok(etag);
    const again = await GET(running().port, '/listed/iframe.html', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.header('content-security-policy'), first.header('content-security-policy'));
  });
});
