/** htmlfile: GET /htmlfile?c=<callback>, frames as <script> blocks. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { GET, openStream, POST } from '../support/raw-http';
import { assertContentType, assertNotCached } from '../support/assertions';
import { newSessionPath } from '../support/sockjs';

const target = useTarget();

/** The page head, before the padding; {{CALLBACK}} is the validated callback name. */
const HTMLFILE_HEAD = [
  '<!doctype html>',
  '<html><head>',
  '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />',
  '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />',
  "</head><body><h2>Don't panic!</h2>",
  '  <script>',
  '    document.domain = document.domain;',
  '    var c = parent.{{CALLBACK}};',
  '    c.start();',
  '    function p(d) {c.message(d);};',
  '    window.onload = function() {c.stop();};',
  '  </script>',
].join('\n');

const scriptFrame = (frame: string): string => `<script>\np(${JSON.stringify(frame)});\n</script>\r\n`;

describe('htmlfile', () => {
  test(
    'streams the page head padded past 1024 bytes, then one <script> chunk per frame',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('echo');
      const { conn, head } = await openStream(port, 'GET', session + '/htmlfile?c=%63allback');
      try {
        assert.equal(head.status, 200);
        assertContentType(head, 'text/html;charset=UTF-8');
        assertNotCached(head);

        const page = await conn.readChunkText();
        assert.ok(page !== null);
        assert.equal(page.trim(), HTMLFILE_HEAD.replace('{{CALLBACK}}', 'callback'));
        assert.ok(page.length > 1024, `the first chunk must exceed 1024 bytes, got ${page.length}`);
        assert.equal(await conn.readChunkText(), '<script>\np("o");\n</script>\r\n');

        const sent = await POST(port, session + '/xhr_send', { body: '["x"]' });
        assert.equal(sent.body, '');
        assert.equal(sent.status, 204);
        assert.equal(await conn.readChunkText(), '<script>\np("a[\\"x\\"]");\n</script>\r\n');
      } finally {
        conn.destroy();
      }
    },
  );

  test(
    'without a callback parameter the answer is 500 "\\"callback\\" parameter required"',
    { timeout: 10_000 },
    async () => {
      const r = await GET(target().port, '/echo/a/a/htmlfile');
      assert.equal(r.status, 500);
      assert.ok(r.body.includes('"callback" parameter required'), r.body);
    },
  );

  test(
    'a callback with characters outside [a-zA-Z0-9-_.] answers 500 "invalid \\"callback\\" parameter"',
    { timeout: 10_000 },
    async () => {
      for (const callback of ['%20', '*', 'abc(', 'abc%28']) {
        const r = await GET(target().port, '/echo/a/a/htmlfile?c=' + callback);
        assert.equal(r.status, 500, callback);
        assert.ok(r.body.includes('invalid "callback" parameter'), r.body);
      }
    },
  );

  test(
    'the response ends after a frame pushes it past 4096 bytes (test server response_limit)',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('echo');
      const { conn, head } = await openStream(port, 'GET', session + '/htmlfile?c=callback');
      try {
        assert.equal(head.status, 200);
        assert.ok(await conn.readChunkText(), 'page head');
        assert.equal(await conn.readChunkText(), '<script>\np("o");\n</script>\r\n');

        const message = 'x'.repeat(4096);
        const sent = await POST(port, session + '/xhr_send', { body: '["' + message + '"]' });
        assert.equal(sent.status, 204);
        assert.equal(await conn.readChunkText(), scriptFrame('a["' + message + '"]'));
        assert.equal(await conn.readChunkText(), null, 'terminating chunk');
      } finally {
        conn.destroy();
      }
    },
  );
});
