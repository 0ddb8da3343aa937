/** The /info endpoint: capabilities, entropy, CORS. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { GET, OPTIONS } from '../support/raw-http';
import { assertContentType, assertCors, assertNoCookie, assertNotCached, assertPreflight } from '../support/assertions';

const target = useTarget();

interface Info {
  websocket: unknown;
  cookie_needed: unknown;
  origins: unknown;
  entropy: unknown;
}

function parseInfo(body: string): Info {
  return JSON.parse(body) as Info;
}

const isUint32 = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

describe('info', () => {
  test(
    'GET /info returns uncached JSON with websocket, cookie_needed, origins and integer entropy, with CORS',
    { timeout: 10_000 },
    async () => {
      const r = await GET(target().port, '/echo/info', { headers: { Origin: 'test' } });
      assert.equal(r.status, 200);
      assertContentType(r, 'application/json;charset=UTF-8');
      assertNoCookie(r);
      assertNotCached(r);
      assertCors(r, 'test');

      const info = parseInfo(r.body);
      assert.equal(info.websocket, true);
      assert.ok(info.cookie_needed === true || info.cookie_needed === false, 'cookie_needed is a boolean');
      assert.deepEqual(info.origins, ['*:*']);
      assert.ok(isUint32(info.entropy), `entropy must be an integer in [0, 2^32-1], got ${String(info.entropy)}`);
    },
  );

  test('entropy differs between two /info requests', { timeout: 10_000 }, async () => {
    const a = parseInfo((await GET(target().port, '/echo/info')).body);
    const b = parseInfo((await GET(target().port, '/echo/info')).body);
    assert.ok(isUint32(a.entropy) && isUint32(b.entropy), 'entropy is an integer');
    assert.notEqual(a.entropy, b.entropy);
  });

  test('OPTIONS /info is a cacheable CORS preflight allowing OPTIONS and GET', { timeout: 10_000 }, async () => {
    await assertPreflight(target().port, '/echo/info', 'OPTIONS, GET');
  });

  test(
    'OPTIONS /info with Origin "null" answers Access-Control-Allow-Origin "null" and no body',
    { timeout: 10_000 },
    async () => {
      const r = await OPTIONS(target().port, '/echo/info', {
        headers: { Origin: 'null', 'Access-Control-Request-Method': 'POST' },
      });
      assert.ok(r.status === 200 || r.status === 204, `status ${r.status}`);
      assert.equal(r.body, '');
      assert.equal(r.header('access-control-allow-origin'), 'null');
    },
  );

  test('the disabled_websocket_echo service reports websocket false', { timeout: 10_000 }, async () => {
    const r = await GET(target().port, '/disabled_websocket_echo/info');
    assert.equal(r.status, 200);
    assert.equal(parseInfo(r.body).websocket, false);
  });
});
