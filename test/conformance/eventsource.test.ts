/** EventSource: GET /eventsource, text/event-stream framing. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { openStream, POST } from '../support/raw-http';
import { assertContentType, assertNotCached } from '../support/assertions';
import { newSessionPath } from '../support/sockjs';

const target = useTarget();

describe('eventsource', () => {
  test(
    'streams a CRLF prelude, then "data: <frame>\\r\\n\\r\\n" events, one chunk each',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('echo');
      const { conn, head } = await openStream(port, 'GET', session + '/eventsource');
      try {
        assert.equal(head.status, 200);
        assertContentType(head, 'text/event-stream');
        assertNotCached(head);

        assert.equal(await conn.readChunkText(), '\r\n');
        assert.equal(await conn.readChunkText(), 'data: o\r\n\r\n');

        let sent = await POST(port, session + '/xhr_send', { body: '["x"]' });
        assert.equal(sent.body, '');
        assert.equal(sent.status, 204);
        assert.equal(await conn.readChunkText(), 'data: a["x"]\r\n\r\n');

        // Spaces, NUL, LF and CR inside a message arrive JSON-escaped, never raw.
        sent = await POST(port, session + '/xhr_send', { body: '["  \\u0000\\n\\r "]' });
        assert.equal(sent.body, '');
        assert.equal(sent.status, 204);
        assert.equal(await conn.readChunkText(), 'data: a["  \\u0000\\n\\r "]\r\n\r\n');
      } finally {
        conn.destroy();
      }
    },
  );

  test(
    'the response ends after a frame pushes it past 4096 bytes (test server response_limit)',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('echo');
      const { conn, head } = await openStream(port, 'GET', session + '/eventsource');
      try {
        assert.equal(head.status, 200);
        assert.ok(await conn.readChunkText(), 'prelude');
        assert.equal(await conn.readChunkText(), 'data: o\r\n\r\n');

        const message = '"' + 'x'.repeat(4096) + '"';
        const sent = await POST(port, session + '/xhr_send', { body: '[' + message + ']' });
        assert.equal(sent.status, 204);
        assert.equal(await conn.readChunkText(), 'data: a[' + message + ']\r\n\r\n');
        assert.equal(await conn.readChunkText(), null, 'terminating chunk');
      } finally {
        conn.destroy();
      }
    },
  );
});
