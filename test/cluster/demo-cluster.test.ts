/** `npm run demo:cluster` end to end: Redis, three nodes and nginx as children; it must say OK and exit 0. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { findNginx } from '../../demo/proxy/nginx';
import { redisSkipReason } from '../support/redis';
import { withTimeout } from '../support/wait';

const DEMO = join(__dirname, '..', '..', 'demo', 'cluster', 'main.js');
const skip = redisSkipReason() || (findNginx() ? false : 'nginx not found: the cluster demo skipped');

test(
  'the cluster demo: a broadcast crosses nodes, a killed node`s sessions come back elsewhere',
  { skip, timeout: 90_000 },
  async () => {
    const child = spawn(process.execPath, [DEMO], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await withTimeout(
      new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit))),
      'the cluster demo to finish',
      80_000,
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    assert.equal(code, 0, out);
    assert.match(out, /a broadcast sent on node-1 reached a session on node-3/);
    assert.match(out, /a broadcast reaches all 12 sessions/);
    assert.match(out, /cluster demo: OK/);
  },
);
