/** xhr-streaming: one long POST /xhr_streaming, one HTTP chunk per frame. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { openStream, POST } from '../support/raw-http';
import { assertContentType, assertCors, assertNotCached, assertPreflight } from '../support/assertions';
import { newSessionPath, XHR_STREAMING_PRELUDE } from '../support/sockjs';

const target = useTarget();

describe('xhr-streaming', () => {
  test(
    'OPTIONS /xhr_streaming is a cacheable CORS preflight allowing OPTIONS and POST',
    { timeout: 10_000 },
    async () => {
      await assertPreflight(target().port, '/echo/abc/abc/xhr_streaming', 'OPTIONS, POST');
    },
  );

  test(
    'streams a 2048-byte "h" prelude chunk, then "o", then each frame in its own chunk',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('echo');
      const { conn, head } = await openStream(port, 'POST', session + '/xhr_streaming', {
        headers: { Origin: 'test' },
      });
      try {
        assert.equal(head.status, 200);
        assertContentType(head, 'application/javascript;charset=UTF-8');
        assertCors(head, 'test');
        assertNotCached(head);

        assert.equal(await conn.readChunkText(), XHR_STREAMING_PRELUDE);
        assert.equal(await conn.readChunkText(), 'o\n');

        const sent = await POST(port, session + '/xhr_send', { body: '["x"]' });
        assert.equal(sent.status, 204);
        assert.equal(sent.body, '');

        assert.equal(await conn.readChunkText(), 'a["x"]\n');
      } finally {
        conn.destroy();
      }
    },
  );

  test(
    'the response ends once 4096 bytes of frames were sent (test server response_limit)',
    { timeout: 15_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('echo');
      const { conn, head } = await openStream(port, 'POST', session + '/xhr_streaming');
      try {
        assert.equal(head.status, 200);
        assert.ok(await conn.readChunkText(), 'prelude');
        assert.equal(await conn.readChunkText(), 'o\n');

        // 2 bytes of "o\n" plus 31 frames of 134 bytes crosses 4096 on the last one.
        const message = '"' + 'x'.repeat(128) + '"';
        for (let i = 0; i < 31; i++) {
          const sent = await POST(port, session + '/xhr_send', { body: '[' + message + ']' });
          assert.equal(sent.status, 204);
          assert.equal(await conn.readChunkText(), 'a[' + message + ']\n', `frame ${i + 1}`);
        }
        assert.equal(
          await conn.readChunkText(),
          null,
          'the terminating chunk follows the frame that crossed the limit',
        );
      } finally {
        conn.destroy();
      }
    },
  );
});
