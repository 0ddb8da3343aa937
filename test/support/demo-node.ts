/**
 * `npm start`'s built code (dist/demo/main.js) as a child process: one demo node on a free port
 * with the environment given (REDIS_URL, NODE_ID, …), stopped with SIGTERM by `resources`.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Resources } from './resources';
import { withTimeout } from './wait';

export const DEMO_MAIN = join(__dirname, '..', '..', 'demo', 'main.js');

type Child = ChildProcessByStdio<null, Readable, Readable>;

export interface DemoNode {
  readonly baseUrl: string;
  readonly port: number;
  readonly child: Child;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
  /** What it wrote to stderr so far. */
  stderr(): string;
}

/** One demo node joined to the cluster on `redisUrl` as `nodeId`; resolves once it listens. */
export async function startDemoNode(
  redisUrl: string,
  nodeId: string,
  resources: Resources,
  env: Record<string, string> = {},
): Promise<DemoNode> {
  const child: Child = spawn(process.execPath, [DEMO_MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REDIS_URL: redisUrl, NODE_ID: nodeId, PORT: '0', HOST: '127.0.0.1', ...env },
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
  const baseUrl = await withTimeout(listening, `node ${nodeId} to listen`, 20_000);
  return { baseUrl, port: Number(new URL(baseUrl).port), child, exited, stderr: () => stderr };
}
