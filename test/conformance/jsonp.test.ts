/** jsonp-polling: GET /jsonp?c=<callback> to receive, POST /jsonp_send to send. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { GET, POST } from '../support/raw-http';
import { assertContentType, assertNotCached } from '../support/assertions';
import { newSessionPath } from '../support/sockjs';

const target = useTarget();

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

async function openSession(service: 'echo' | 'close' = 'echo'): Promise<string> {
  const session = newSessionPath(service);
  const r = await GET(target().port, session + '/jsonp?c=x');
  assert.equal(r.body, '/**/x("o");\r\n');
  return session;
}

describe('jsonp-polling', () => {
  test(
    'frames are wrapped as /**/callback("<frame>");\\r\\n and jsonp_send answers 200 "ok"',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('echo');
      let r = await GET(port, session + '/jsonp?c=%63allback');
      assert.equal(r.status, 200);
      assertContentType(r, 'application/javascript;charset=UTF-8');
      assertNotCached(r);
      assert.equal(r.body, '/**/callback("o");\r\n');

      r = await POST(port, session + '/jsonp_send', { body: 'd=%5B%22x%22%5D', headers: FORM });
      // "ok" rather than 204: Konqueror mishandles 204 here.
      assert.equal(r.body, 'ok');
      assert.equal(r.status, 200);
      assertContentType(r, 'text/plain;charset=UTF-8');
      assertNotCached(r);

      r = await GET(port, session + '/jsonp?c=%63allback');
      assert.equal(r.status, 200);
      assert.equal(r.body, '/**/callback("a[\\"x\\"]");\r\n');
    },
  );

  test(
    'without a callback parameter the answer is 500 "\\"callback\\" parameter required"',
    { timeout: 10_000 },
    async () => {
      const r = await GET(target().port, '/echo/a/a/jsonp');
      assert.equal(r.status, 500);
      assert.ok(r.body.includes('"callback" parameter required'), r.body);
    },
  );

  test(
    'a callback with characters outside [a-zA-Z0-9-_.] answers 500 "invalid \\"callback\\" parameter"',
    { timeout: 10_000 },
    async () => {
      for (const callback of ['%20', '*', 'abc(', 'abc%28']) {
        const r = await GET(target().port, '/echo/a/a/jsonp?c=' + callback);
        assert.equal(r.status, 500, callback);
        assert.ok(r.body.includes('invalid "callback" parameter'), r.body);
      }
    },
  );

  test(
    'jsonp_send answers 500 for broken JSON and for missing payloads, and the session survives',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = await openSession();

      let r = await POST(port, session + '/jsonp_send', { body: 'd=%5B%22x', headers: FORM });
      assert.equal(r.status, 500);
      assert.ok(r.body.includes('Broken JSON encoding.'), r.body);

      for (const body of ['', 'd=', 'p=p']) {
        r = await POST(port, session + '/jsonp_send', { body, headers: FORM });
        assert.equal(r.status, 500, `body ${JSON.stringify(body)}`);
        assert.ok(r.body.includes('Payload expected.'), r.body);
      }

      r = await POST(port, session + '/jsonp_send', { body: 'd=%5B%22b%22%5D', headers: FORM });
      assert.equal(r.body, 'ok');

      r = await GET(port, session + '/jsonp?c=x');
      assert.equal(r.status, 200);
      assert.equal(r.body, '/**/x("a[\\"b\\"]");\r\n');
    },
  );

  test('jsonp_send accepts a urlencoded d= field and a raw text/plain JSON body', { timeout: 10_000 }, async () => {
    const { port } = target();
    const session = await openSession();

    let r = await POST(port, session + '/jsonp_send', { body: 'd=%5B%22abc%22%5D', headers: FORM });
    assert.equal(r.body, 'ok');
    // A text/plain body is JSON itself; "%61" must not be URL-decoded.
    r = await POST(port, session + '/jsonp_send', { body: '["%61bc"]', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(r.body, 'ok');

    r = await GET(port, session + '/jsonp?c=x');
    assert.equal(r.status, 200);
    assert.equal(r.body, '/**/x("a[\\"abc\\",\\"%61bc\\"]");\r\n');
  });

  test('a closed session answers "o" and then its close frame on every later poll', { timeout: 10_000 }, async () => {
    const { port } = target();
    const session = await openSession('close');
    for (let i = 0; i < 2; i++) {
      const r = await GET(port, session + '/jsonp?c=x');
      assert.equal(r.body, '/**/x("c[3000,\\"Go away!\\"]");\r\n');
    }
  });

  test('an empty array is accepted by jsonp_send and delivers nothing', { timeout: 10_000 }, async () => {
    const { port } = target();
    const session = await openSession();

    let r = await POST(port, session + '/jsonp_send', { body: 'd=%5B%5D', headers: FORM });
    assert.equal(r.body, 'ok');
    r = await POST(port, session + '/jsonp_send', { body: 'd=%5B%22x%22%5D', headers: FORM });
    assert.equal(r.body, 'ok');

    r = await GET(port, session + '/jsonp?c=x');
    assert.equal(r.status, 200);
    assert.equal(r.body, '/**/x("a[\\"x\\"]");\r\n');
  });
});
