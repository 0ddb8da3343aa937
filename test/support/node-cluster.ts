/**
 * `WORKERS=N npm start` as a child process (npm start's built code, dist/demo/main.js): its stdout
 * lines (the primary's and the workers', one pipe), its URL, its workers' pids, its exit.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pickWorker } from '../../server/cluster/sticky-route';
import { Events } from './events';
import type { Resources } from './resources';
import { withTimeout } from './wait';

const DEMO = join(__dirname, '..', '..', 'demo', 'main.js');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class DemoCluster {
  /** Every stdout line so far. */
  readonly lines = new Events<string>();
  readonly exited: Promise<Exit>;
  private stderr = '';

  private constructor(
    readonly child: ChildProcessByStdio<null, Readable, Readable>,
    readonly nodeId: string,
  ) {
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.lines.push(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-8192)));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts it with `env` (WORKERS, REDIS_URL...) on a free port; resolves once the primary says its URL. */
  static async start(env: Record<string, string>, nodeId: string, resources: Resources): Promise<DemoCluster> {
    const child = spawn(process.execPath, [DEMO], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_ID: nodeId, ...env },
    });
    const cluster = new DemoCluster(child, nodeId);
    resources.add(cluster, async (c) => {
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      await c.exited;
    });
    await withTimeout(
      Promise.race([
        cluster.lines.waitFor((line) => line.includes(' demo on '), 'the primary to listen', 30_000),
        cluster.exited.then((exit) => {
          throw new Error(`exited (${exit.signal ?? String(exit.code)}) before listening: ${cluster.errors()}`);
        }),
      ]),
      'the demo cluster to start',
      30_000,
    );
    return cluster;
  }

  get baseUrl(): string {
    const line = this.lines.items.find((item) => item.includes(' demo on ')) ?? '';
    return /demo on (http:\/\/\S+?)\/?$/.exec(line)?.[1] ?? '';
  }

  /** The pids of the workers the primary started with, by slot (`w0`...). */
  initialPids(): Map<string, number> {
    const line = this.lines.items.find((item) => item.startsWith('node:cluster primary')) ?? '';
    return new Map([...line.matchAll(/(w\d+)=(\d+)/g)].map((match) => [match[1] ?? '', Number(match[2])]));
  }

  /** Every worker pid that said it serves (replacements included). */
  allWorkerPids(): number[] {
    return this.lines.items.flatMap((line) => {
      const found = /^worker (\d+) takes its connections/.exec(line);
      return found ? [Number(found[1])] : [];
    });
  }

  /** How many workers have joined the bus as `slot` (2 once a replacement has). */
  joinedAs(slot: string): number {
    return this.lines.count((line) => line.endsWith(` as ${this.nodeId}-${slot}`));
  }

  errors(): string {
    return this.stderr;
  }
}

export const SLOTS = ['w0', 'w1', 'w2'] as const;
export type Slot = (typeof SLOTS)[number];

/** Server ids `000`-`999` by the slot they hash to among `live`, as the primary routes them. */
export function serverIdsBySlot(live: readonly Slot[] = SLOTS): Map<Slot, string[]> {
  const bySlot = new Map<Slot, string[]>(live.map((slot) => [slot, []]));
  for (let i = 0; i < 1000; i++) {
    const id = String(i).padStart(3, '0');
    const slot = pickWorker(id, live);
    if (slot !== undefined) bySlot.get(slot)?.push(id);
  }
  return bySlot;
}
