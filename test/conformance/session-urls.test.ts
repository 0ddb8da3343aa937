/** Session URLs /<server_id>/<session_id>/<transport>. */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { GET, POST } from '../support/raw-http';
import { assert404 } from '../support/assertions';

const target = useTarget();

async function assertOpensSession(sessionPart: string): Promise<void> {
  const r = await POST(target().port, `/echo${sessionPart}/xhr`);
  assert.equal(r.status, 200, sessionPart);
  assert.equal(r.body, 'o\n', sessionPart);
}

describe('session URLs', () => {
  test('any server_id and session_id without dots or slashes open a session', { timeout: 10_000 }, async () => {
    const r = String(randomInt(0, 1025));
    await assertOpensSession('/a/a' + r);
    for (const part of ['/_/_' + r, '/1/' + r, '/abcdefgh_i-j%20/abcdefg_i-j%20' + r]) {
      await assertOpensSession(part);
    }
  });

  test(
    'empty ids, ids with dots, and wrong segment counts answer 404 to GET and POST',
    { timeout: 10_000 },
    async () => {
      for (const suffix of ['//', '/a./a', '/a/a.', '/./.', '/', '///']) {
        assert404(await GET(target().port, `/echo${suffix}/xhr`), `GET ${suffix}/xhr`);
        assert404(await POST(target().port, `/echo${suffix}/xhr`), `POST ${suffix}/xhr`);
      }
    },
  );

  test(
    'the server_id is ignored: one session is reachable under different server ids',
    { timeout: 10_000 },
    async () => {
      const sessionId = randomUUID();
      let r = await POST(target().port, `/echo/000/${sessionId}/xhr`);
      assert.equal(r.status, 200);
      assert.equal(r.body, 'o\n');

      r = await POST(target().port, `/echo/000/${sessionId}/xhr_send`, { body: '["a"]' });
      assert.equal(r.status, 204);
      assert.equal(r.body, '');

      r = await POST(target().port, `/echo/999/${sessionId}/xhr`);
      assert.equal(r.status, 200);
      assert.equal(r.body, 'a["a"]\n');
    },
  );
});
