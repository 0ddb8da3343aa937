/**
 * The browser client's size and shape: client/socket.ts bundled the way an app would (esbuild,
 * minified, ES module for browsers), gzipped in-process. Held under 6 KB; no sockjs-client and
 * nothing of Node in it; what an app does not import is shaken out.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The budget the README states for the client, min + gzip. */
const MAX_GZIPPED_BYTES = 6 * 1024;

const ROOT = join(__dirname, '..', '..', '..');

async function bundle(contents: string): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'app.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return (result.outputFiles[0] as { text: string }).text;
}

test(`the client, minified and gzipped, is under ${MAX_GZIPPED_BYTES} bytes, with no sockjs-client or Node in it`, async () => {
  const code = await bundle(`export * from './client/socket';`);
  const gzipped = gzipSync(code, { level: 9 }).length;
  process.stdout.write(`# client bundle: ${code.length} bytes minified, ${gzipped} bytes gzipped\n`);
  assert.ok(gzipped < MAX_GZIPPED_BYTES, `${gzipped} bytes gzipped`);
  assert.ok(code.includes('xhr_streaming') && code.includes('eventsource'), 'every transport is in it');
  assert.doesNotMatch(code, /sockjs-client|faye|require\(|node:/);
});

test('tree-shakable: an app that imports only the transport names gets none of the socket', async () => {
  const code = await bundle(`import { CLIENT_TRANSPORTS } from './client/socket'; console.log(CLIENT_TRANSPORTS);`);
  assert.doesNotMatch(code, /xhr_send|\/info|liveness/);
  assert.ok(code.length < 200, `${code.length} bytes`);
});
