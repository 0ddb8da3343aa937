/**
 * The library's sticky primary with a minimal app (test/support/sticky-app.ts), no Redis: a body
 * that comes after the request line reaches the worker whole; `respawn: false` leaves a dead worker's
 * slot empty (its ids move, and with no worker left the answer is 503); a primary exits 0 on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { pickWorker } from '../../server/cluster/sticky-route';
import { Events } from '../support/events';
import { Resources } from '../support/resources';
import { withTimeout } from '../support/wait';

const APP = join(__dirname, '..', 'support', 'sticky-app.js');

interface App {
  port: number;
  pids: Map<string, number>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

async function startApp(options: object, resources: Resources): Promise<App> {
  const child = spawn(process.execPath, [APP], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STICKY_TEST_OPTIONS: JSON.stringify({ port: 0, ...options }) },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  resources.add(child, async (c) => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await exited;
  });
  const lines = new Events<string>();
  child.stdout.setEncoding('utf8').on('data', (text: string) => text.split('\n').forEach((line) => lines.push(line)));
  const line = await lines.waitFor((l) => l.startsWith('port '), 'the sticky app to listen', 20_000);
  const [, port, ...pids] = line.split(' ');
  return {
    port: Number(port),
    pids: new Map(pids.map((pair) => [pair.split('=')[0] ?? '', Number(pair.split('=')[1])])),
    exited,
    kill: (signal) => child.kill(signal),
  };
}

/** Writes `parts` one after the other (each after the previous was flushed); resolves with the whole answer. */
async function exchange(port: number, parts: string[]): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  const closed = new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  for (const part of parts) await new Promise<void>((resolve) => socket.write(part, () => resolve()));
  await withTimeout(closed, 'the answer', 5000);
  return answer;
}

test(
  'a body after the request line reaches the worker whole; respawn: false; 503 without workers; SIGTERM exits 0',
  { timeout: 60_000 },
  async () => {
    const resources = new Resources();
    try {
      const app = await startApp({ workers: 2, respawn: false }, resources);
      const id = ['w0', 'w1'].map((slot) => {
        for (let i = 0; ; i++) if (pickWorker(String(i), ['w0', 'w1']) === slot) return String(i);
      });
      const head = (server: string): string =>
        `POST /echo/${server}/s/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n`;
      // The request line, the rest of the head, the body: three writes, each flushed before the next.
      const split = head(id[1] ?? '');
      const cut = split.indexOf('/xh') + 3;
      const late = await exchange(app.port, [split.slice(0, cut), split.slice(cut), 'hello']);
      assert.match(late, new RegExp(`\\r\\n\\r\\nw1 POST /echo/${id[1] ?? ''}/s/xhr_send hello$`));
      assert.match(await exchange(app.port, [head(id[0] ?? '') + 'hello']), /\r\n\r\nw0 POST .* hello$/);

      process.kill(app.pids.get('w1') ?? 0, 'SIGKILL');
      // Without a replacement, w1's ids go to w0 (once the primary has seen the exit).
      let moved = '';
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !moved.includes(' w0 ');) {
        moved = ` ${(await exchange(app.port, [head(id[1] ?? '') + 'hello']).catch(() => '')).split('\r\n\r\n')[1] ?? ''}`;
      }
      assert.match(moved, /^ w0 POST /, 'w1 ids on w0');

      process.kill(app.pids.get('w0') ?? 0, 'SIGKILL');
      let refused = '';
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !refused.startsWith('HTTP/1.1 503');) {
        refused = await exchange(app.port, [head(id[0] ?? '') + 'hello']).catch(() => '');
      }
      assert.match(refused, /^HTTP\/1\.1 503 Service Unavailable\r\n/);

      app.kill('SIGTERM');
      assert.equal(await withTimeout(app.exited, 'the primary to exit', 10_000), 0);
    } finally {
      await resources.closeAll();
    }
  },
);
