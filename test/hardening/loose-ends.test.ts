/**
 * Loose ends of the hardening work, each against the hostile-input fixture (/hard: text messages
 * up to 1024 bytes, request bodies up to 4096 bytes): websocket upgrades over HTTP/1.0, nosniff on
 * every script and HTML response, fragmented websocket messages over the limit, request bodies
 * refused before `100 Continue`, and refusals that say why.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './fixture';
import { Conn, WAIT_MS } from './raw-client';
import { withTimeout } from '../support/wait';

let fixture: Fixture | undefined;
function fx(): Fixture {
  if (!fixture) throw new Error('fixture not started');
  return fixture;
}

before(async () => {
  fixture = await startFixture();
});

after(async () => {
  await fixture?.close();
  fixture = undefined;
});

const UPGRADE = {
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
};
const HIXIE = {
  Connection: 'Upgrade',
  Upgrade: 'WebSocket',
  'Sec-WebSocket-Key1': '4 @1  46546xW%0l 1 5',
  'Sec-WebSocket-Key2': '12998 5 Y3 1  .P00',
};

/** Sends one request on a fresh connection; the response and whether the server then closed. */
async function ask(request: Parameters<Conn['sendRequest']>[0]): Promise<{ status: number; body: string; conn: Conn }> {
  const conn = await Conn.connect(fx().port);
  await conn.sendRequest(request);
  const response = await conn.readResponse(request.method);
  return { status: response.status, body: response.body, conn };
}

describe('websocket upgrades over HTTP/1.0 are refused (RFC 6455 §4.1)', () => {
  const paths: Array<[string, () => string, Record<string, string>]> = [
    ['the raw websocket', () => '/hard/websocket', UPGRADE],
    ['a SockJS websocket session', () => `/hard/000/${randomUUID()}/websocket`, UPGRADE],
    ['a hixie-76 SockJS websocket', () => `/hard/000/${randomUUID()}/websocket`, HIXIE],
  ];
  for (const [name, path, headers] of paths) {
    test(`${name}: 400 with the reason, connection closed; the same request over HTTP/1.1 upgrades`, { timeout: 10_000 }, async () => {
      const refused = await ask({ method: 'GET', path: path(), headers, httpVersion: '1.0', omitContentLength: true });
      try {
        assert.equal(refused.status, 400);
        assert.equal(refused.body, 'WebSocket upgrades need HTTP/1.1.');
        await withTimeout(refused.conn.closed, WAIT_MS, 'the refused connection to close');
      } finally {
        refused.conn.destroy();
      }
      const conn = await Conn.connect(fx().port);
      try {
        await conn.sendRequest({ method: 'GET', path: path(), headers, omitContentLength: true });
        assert.equal((await conn.readHead()).status, 101);
      } finally {
        conn.destroy();
      }
    });
  }
});

describe('X-Content-Type-Options: nosniff on every script and HTML answer', () => {
  const session = (): string => `/hard/000/${randomUUID()}`;
  const answers: Array<[string, string, () => string, string]> = [
    ['the iframe page (HTML)', 'GET', () => '/hard/iframe.html', 'text/html; charset=UTF-8'],
    ['htmlfile (HTML)', 'GET', () => `${session()}/htmlfile?c=cb`, 'text/html; charset=UTF-8'],
    ['jsonp (script)', 'GET', () => `${session()}/jsonp?c=cb`, 'application/javascript; charset=UTF-8'],
    ['xhr (script)', 'POST', () => `${session()}/xhr`, 'application/javascript; charset=UTF-8'],
    ['xhr_streaming (script)', 'POST', () => `${session()}/xhr_streaming`, 'application/javascript; charset=UTF-8'],
    ['the served sockjs-client (script)', 'GET', () => fx().hard.clientScriptUrl, 'application/javascript; charset=UTF-8'],
    ['an error without a Content-Type (500, bad callback)', 'GET', () => `${session()}/htmlfile?c=%3Cb%3E`, ''],
    ['a 404 page', 'GET', () => '/hard/nothing/here', 'text/plain; charset=UTF-8'],
  ];
  for (const [name, method, path, type] of answers) {
    test(name, { timeout: 10_000 }, async () => {
      const conn = await Conn.connect(fx().port);
      try {
        await conn.sendRequest({ method, path: path() });
        const head = await conn.readHead();
        assert.equal(head.header('content-type') ?? '', type, 'the answer is the one meant');
        assert.equal(head.header('x-content-type-options'), 'nosniff');
      } finally {
        conn.destroy();
      }
    });
  }
});
