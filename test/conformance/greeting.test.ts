/** The greeting at the base URL and 404s for unknown paths under it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { GET } from '../support/raw-http';
import { assert404, assertContentType, assertNoCookie } from '../support/assertions';

const target = useTarget();

describe('base URL greeting', () => {
  test(
    'GET /echo and /echo/ answer 200 text/plain "Welcome to SockJS!\\n" without a cookie',
    { timeout: 10_000 },
    async () => {
      for (const path of ['/echo', '/echo/']) {
        const r = await GET(target().port, path);
        assert.equal(r.status, 200, path);
        assertContentType(r, 'text/plain;charset=UTF-8');
        assert.equal(r.body, 'Welcome to SockJS!\n');
        assertNoCookie(r);
      }
    },
  );

  test('other paths under the base URL answer 404', { timeout: 10_000 }, async () => {
    for (const suffix of ['/a', '/a.html', '//', '///', '/a/a', '/a/a/', '/a/']) {
      assert404(await GET(target().port, '/echo' + suffix), suffix);
    }
  });
});
