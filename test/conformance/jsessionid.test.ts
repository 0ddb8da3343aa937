/** JSESSIONID cookie (for sticky load balancing) on the cookie_needed_echo service. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { GET, openStream, POST } from '../support/raw-http';
import { assertJsessionCookie, assertNoCookie } from '../support/assertions';
import { newSessionPath } from '../support/sockjs';

const target = useTarget();

async function assertStreamSetsCookie(method: 'GET' | 'POST', suffix: string): Promise<void> {
  const { conn, head } = await openStream(target().port, method, newSessionPath('cookie_needed_echo') + suffix);
  try {
    assert.equal(head.status, 200);
    assertJsessionCookie(head);
  } finally {
    conn.destroy();
  }
}

describe('JSESSIONID cookie', () => {
  test('/info reports cookie_needed true and sets no cookie itself', { timeout: 10_000 }, async () => {
    const r = await GET(target().port, '/cookie_needed_echo/info');
    assert.equal(r.status, 200);
    assertNoCookie(r);
    assert.equal((JSON.parse(r.body) as { cookie_needed?: unknown }).cookie_needed, true);
  });

  test(
    'xhr sets JSESSIONID=dummy; path=/ and echoes back a JSESSIONID the client already has',
    { timeout: 10_000 },
    async () => {
      let r = await POST(target().port, newSessionPath('cookie_needed_echo') + '/xhr');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'o\n');
      assertJsessionCookie(r);

      r = await POST(target().port, newSessionPath('cookie_needed_echo') + '/xhr', {
        headers: { Cookie: 'JSESSIONID=abcdef' },
      });
      assert.equal(r.status, 200);
      assert.equal(r.body, 'o\n');
      assertJsessionCookie(r, 'abcdef');
    },
  );

  test('xhr_streaming sets the JSESSIONID cookie', { timeout: 10_000 }, async () => {
    await assertStreamSetsCookie('POST', '/xhr_streaming');
  });

  test('eventsource sets the JSESSIONID cookie', { timeout: 10_000 }, async () => {
    await assertStreamSetsCookie('GET', '/eventsource');
  });

  test('htmlfile sets the JSESSIONID cookie', { timeout: 10_000 }, async () => {
    await assertStreamSetsCookie('GET', '/htmlfile?c=%63allback');
  });

  test('jsonp and jsonp_send set the JSESSIONID cookie', { timeout: 10_000 }, async () => {
    const session = newSessionPath('cookie_needed_echo');
    let r = await GET(target().port, session + '/jsonp?c=%63allback');
    assert.equal(r.status, 200);
    assertJsessionCookie(r);
    assert.equal(r.body, '/**/callback("o");\r\n');

    r = await POST(target().port, session + '/jsonp_send', {
      body: 'd=%5B%22x%22%5D',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(r.body, 'ok');
    assert.equal(r.status, 200);
    assertJsessionCookie(r);
  });
});
