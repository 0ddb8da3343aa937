/** xhr-polling: POST /xhr to receive, POST /xhr_send to send. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { OPTIONS, POST } from '../support/raw-http';
import { assert404, assertContentType, assertCors, assertNotCached, assertPreflight } from '../support/assertions';
import { newSessionPath } from '../support/sockjs';

const target = useTarget();

async function openSession(): Promise<string> {
  const session = newSessionPath('echo');
  const r = await POST(target().port, session + '/xhr');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'o\n');
  return session;
}

describe('xhr-polling', () => {
  test(
    'OPTIONS on /xhr and /xhr_send is a cacheable CORS preflight allowing OPTIONS and POST',
    { timeout: 10_000 },
    async () => {
      for (const suffix of ['/xhr', '/xhr_send']) {
        await assertPreflight(target().port, '/echo/abc/abc' + suffix, 'OPTIONS, POST');
      }
    },
  );

  test(
    'poll and send carry exact content types, CORS and no-cache headers; sent messages come back',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('echo');
      let r = await POST(port, session + '/xhr', { headers: { Origin: 'test' } });
      assert.equal(r.status, 200);
      assert.equal(r.body, 'o\n');
      assertContentType(r, 'application/javascript;charset=UTF-8');
      assertCors(r, 'test');
      assertNotCached(r);

      r = await POST(port, session + '/xhr_send', { body: '["x"]', headers: { Origin: 'test' } });
      assert.equal(r.status, 204);
      assert.equal(r.body, '');
      // text/plain even on a 204 (Firefox would otherwise try to parse XML).
      assertContentType(r, 'text/plain;charset=UTF-8');
      assertCors(r, 'test');
      assertNotCached(r);

      r = await POST(port, session + '/xhr');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'a["x"]\n');
    },
  );

  test('xhr_send to an unknown session answers 404', { timeout: 10_000 }, async () => {
    assert404(await POST(target().port, newSessionPath('echo') + '/xhr_send', { body: '["x"]' }));
  });

  test(
    'broken JSON answers 500 "Broken JSON encoding.", an empty body 500 "Payload expected.", and the session survives',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = await openSession();

      let r = await POST(port, session + '/xhr_send', { body: '["x' });
      assert.equal(r.status, 500);
      assert.ok(r.body.includes('Broken JSON encoding.'), r.body);

      r = await POST(port, session + '/xhr_send', { body: '' });
      assert.equal(r.status, 500);
      assert.ok(r.body.includes('Payload expected.'), r.body);

      r = await POST(port, session + '/xhr_send', { body: '["a"]' });
      assert.equal(r.body, '');
      assert.equal(r.status, 204);

      r = await POST(port, session + '/xhr');
      assert.equal(r.body, 'a["a"]\n');
      assert.equal(r.status, 200);
    },
  );

  test('xhr_send accepts any Content-Type and delivers every message in one frame', { timeout: 10_000 }, async () => {
    const { port } = target();
    const session = await openSession();
    const contentTypes = [
      'text/plain',
      'T',
      'application/json',
      'application/xml',
      '',
      'application/json; charset=utf-8',
      'text/xml; charset=utf-8',
      'text/xml',
    ];
    for (const contentType of contentTypes) {
      const r = await POST(port, session + '/xhr_send', { body: '["a"]', headers: { 'Content-Type': contentType } });
      assert.equal(r.status, 204, `Content-Type ${JSON.stringify(contentType)}`);
      assert.equal(r.body, '');
    }
    const r = await POST(port, session + '/xhr');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'a[' + contentTypes.map(() => '"a"').join(',') + ']\n');
  });

  test(
    'Access-Control-Request-Headers is echoed as Access-Control-Allow-Headers only when non-empty',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const preflight = (extra: Record<string, string>) =>
        OPTIONS(port, newSessionPath('echo') + '/xhr', {
          headers: { Origin: 'test', 'Access-Control-Request-Method': 'POST', ...extra },
        });

      let r = await preflight({ 'Access-Control-Request-Headers': 'a, b, c' });
      assert.ok(r.status === 200 || r.status === 204, `status ${r.status}`);
      assertCors(r, 'test');
      assert.equal(r.header('access-control-allow-headers'), 'a, b, c');

      r = await preflight({ 'Access-Control-Request-Headers': '' });
      assert.ok(r.status === 200 || r.status === 204, `status ${r.status}`);
      assertCors(r, 'test');
      assert.equal(r.header('access-control-allow-headers'), undefined);

      r = await preflight({});
      assert.ok(r.status === 200 || r.status === 204, `status ${r.status}`);
      assertCors(r, 'test');
      assert.equal(r.header('access-control-allow-headers'), undefined);
    },
  );

  test('an empty array is accepted by xhr_send and delivers nothing', { timeout: 10_000 }, async () => {
    const { port } = target();
    const session = await openSession();
    let r = await POST(port, session + '/xhr_send', { body: '[]' });
    assert.equal(r.status, 204);
    r = await POST(port, session + '/xhr_send', { body: '["a"]' });
    assert.equal(r.status, 204);
    r = await POST(port, session + '/xhr');
    assert.equal(r.body, 'a["a"]\n');
    assert.equal(r.status, 200);
  });
});
