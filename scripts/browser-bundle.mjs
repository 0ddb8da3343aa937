// Writes the browser build of our SockJS client (package.json `exports["./client/browser"]`): client/socket.ts
// and the protocol code it uses, bundled by esbuild into one ES module, unminified (the app's bundler
// minifies, and tree-shakes what it does not use), with no sockjs-client and nothing of Node. Run after tsc
// (npm run build), which wrote the .d.ts files its .d.mts points at.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'client', 'socket.ts')],
  outfile: join(root, 'dist', 'client', 'browser.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist', 'client', 'browser.d.mts'), `export * from './socket.js';\n`);
