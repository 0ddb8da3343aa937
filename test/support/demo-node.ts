/**
 * `npm start` (dist/demo/main.js) as a child process, a node of a cluster on one redis-server:
 * started on a free port with `REDIS_URL`/`NODE_ID`, killed with SIGTERM after the test if still
 * running. Plus the demo's `POST /login`, for a `/secure` user.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { POST } from './raw-http';
import type { Resources } from './resources';
import { withTimeout } from './wait';

const DEMO = join(__dirname, '..', '..', 'demo', 'main.js');

export interface DemoNode {
  readonly nodeId: string;
  /** e.g. http://127.0.0.1:43210 */
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** What the node wrote to stderr so far. */
  stderr(): string;
}

/** One `npm start` node; resolves once it listens and has joined the cluster. */
export async function startDemoNode(redisUrl: string, nodeId: string, resources: Resources): Promise<DemoNode> {
  const child = spawn(process.execPath, [DEMO], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REDIS_URL: redisUrl, NODE_ID: nodeId, PORT: '0', HOST: '127.0.0.1' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  resources.add(child, async (c) => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await exited;
  });
  const listening = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /demo on (http:\/\/\S+?)\/?$/m.exec(out);
      if (found?.[1] && out.includes(`as ${nodeId}`)) resolve(found[1]);
    });
    void exited.then((code) => reject(new Error(`node ${nodeId} exited ${String(code)}: ${stderr}`)));
  });
  const url = await withTimeout(listening, `node ${nodeId} to listen`, 20_000);
  return { nodeId, url, port: Number(new URL(url).port), child, exited, stderr: () => stderr };
}

/** The demo's `POST /login` as `user` on one node; returns the `name=value` cookie for `/secure`. */
export async function loginOn(node: DemoNode, user: string): Promise<string> {
  const response = await POST(node.port, '/login', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  assert.equal(response.status, 204, `login on ${node.nodeId} answered ${response.status} ${response.body}`);
  const cookie = response.header('set-cookie')?.split(';')[0];
  assert.ok(cookie, 'login sets the session cookie');
  return cookie;
}
