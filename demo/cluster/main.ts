/**
 * `npm run demo:cluster`: Redis, three `npm start` nodes joined through it (`REDIS_URL`) and nginx
 * with the sticky config in front, all child processes with their files in temp dirs. It shows a
 * `/broadcast` message crossing nodes, then kills a node and shows that only its sessions close and
 * that their clients, opening again through nginx, land on the nodes left. Exits 0 when all of that
 * held, 1 otherwise; everything it started is stopped either way.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isLive, openSockJs, type SockJsClient } from '../../client';
import { startRedis } from '../peers/redis';
import { startNginx } from '../proxy/nginx';
import { Deferred, Stack } from '../proxy/wait';

const MAIN = join(__dirname, '..', 'main.js');
/** Sessions through nginx: with 12 the chance that none lands on the killed node is (2/3)^12, under 1 %. */
const SESSIONS = 12;
const WAIT_MS = 15_000;

interface Node {
  readonly id: string;
  readonly port: number;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<void>;
}

/** One `npm start` node joined to `redisUrl`; resolves once it listens. */
async function startNode(id: string, redisUrl: string): Promise<Node> {
  const child = spawn(process.execPath, [MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REDIS_URL: redisUrl, NODE_ID: id, PORT: '0', HOST: '127.0.0.1' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = new Deferred<number>();
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const found = /demo on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (found?.[1]) listening.resolve(Number(found[1]));
  });
  child.once('exit', (code) => listening.reject(new Error(`${id} exited (${String(code)}) before listening`)));
  const timer = setTimeout(() => listening.reject(new Error(`${id} did not listen in ${WAIT_MS} ms`)), WAIT_MS);
  try {
    return { id, port: await listening.promise, child, exited };
  } finally {
    clearTimeout(timer);
  }
}

/** A sockjs-client session (xhr-streaming) on `url`; resolves once open, with what it receives. */
function session(url: string): Promise<{ sock: SockJsClient; received: string[]; closed: Promise<number> }> {
  const sock = openSockJs(url, { transports: ['xhr-streaming'] });
  const received: string[] = [];
  const opened = new Deferred<void>();
  const closed = new Deferred<number>();
  sock.onopen = () => opened.resolve();
  sock.onmessage = ({ data }) => received.push(data);
  sock.onclose = ({ code }) => {
    opened.reject(new Error(`closed before open (${code})`));
    closed.resolve(code);
  };
  return opened.promise.then(() => ({ sock, received, closed: closed.promise }));
}

/** Polls `condition` every 20 ms until it holds; false after `ms`. */
async function eventually(condition: () => boolean, ms = WAIT_MS): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function run(stack: Stack): Promise<boolean> {
  const redis = await startRedis();
  stack.use(redis, 'redis', (r) => r.stop());
  const redisUrl = `redis://127.0.0.1:${redis.port}`;
  console.log(`redis on ${redisUrl}`);
  const nodes = await Promise.all(['node-1', 'node-2', 'node-3'].map((id) => startNode(id, redisUrl)));
  for (const node of nodes) {
    stack.use(node, node.id, async (n) => {
      if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
      await n.exited;
    });
  }
  const ports = nodes.map((node) => node.port);
  console.log(`nodes on ports ${ports.join(', ')}`);
  const nginx = await startNginx({ mode: 'sticky', upstreamPort: ports[0] as number, upstreamPorts: ports });
  stack.use(nginx, 'nginx', (n) => n.stop());
  console.log(`nginx (sticky by server id) on ${nginx.port}`);

  // 1. A message crossing nodes: one session on node-1, one on node-3, directly.
  const [first, third] = await Promise.all(
    [nodes[0], nodes[2]].map((n) => session(`http://127.0.0.1:${n?.port}/broadcast`)),
  );
  if (!first || !third) return false;
  const crossed = await eventually(() => {
    first.sock.send('hello from node-1');
    return third.received.includes('hello from node-1');
  });
  console.log(crossed ? 'a broadcast sent on node-1 reached a session on node-3' : 'the broadcast did NOT cross nodes');
  for (const s of [first, third]) s.sock.close();

  // 2. Sessions through nginx; node-2 killed: only its sessions close, and they come back elsewhere.
  const proxied = await Promise.all(
    Array.from({ length: SESSIONS }, () => session(`http://127.0.0.1:${nginx.port}/broadcast`)),
  );
  (nodes[1] as Node).child.kill('SIGKILL');
  console.log('node-2 killed');
  // Every session sends: one on node-2 learns so that its node is gone (its stream through nginx may
  // stay quiet, its send fails) and closes; the others get the broadcasts.
  const probe = `probe ${Date.now()}`;
  await eventually(() => {
    for (const s of proxied) if (isLive(s.sock)) s.sock.send(probe);
    return proxied.every((s) => !isLive(s.sock) || s.received.includes(probe));
  });
  const survivors = proxied.filter((s) => isLive(s.sock));
  const dead = proxied.filter((s) => !isLive(s.sock));
  const codes = await Promise.all(dead.map((s) => s.closed));
  console.log(`${dead.length} of ${SESSIONS} sessions closed (${codes.join(', ') || 'none'}): those on node-2`);
  const replacements = await Promise.all(dead.map(() => session(`http://127.0.0.1:${nginx.port}/broadcast`)));
  const all = [...survivors, ...replacements];
  const marker = `after the kill ${Date.now()}`;
  const everyone = await eventually(() => {
    all[0]?.sock.send(marker);
    return all.every((s) => s.received.includes(marker));
  });
  console.log(
    everyone
      ? `${replacements.length} reopened through nginx on the nodes left; a broadcast reaches all ${all.length} sessions`
      : 'NOT every session got the broadcast after the kill',
  );
  for (const s of all) s.sock.close();
  return crossed && everyone && all.length === SESSIONS;
}

async function main(): Promise<void> {
  const stack = new Stack();
  let ok = false;
  try {
    ok = await run(stack);
  } catch (error) {
    console.error(error);
  } finally {
    await stack.dispose();
  }
  console.log(ok ? 'cluster demo: OK' : 'cluster demo: FAILED');
  process.exit(ok ? 0 : 1);
}

void main();
