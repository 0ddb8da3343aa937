/**
 * The sticky primary's workers: forked one per slot, live from their ready message until they
 * disconnect or exit, replaced (optionally) when they die, and stopped with SIGTERM, bounded.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../handler';
import { isReadyMessage, STICKY_WORKER_ENV } from './sticky-messages';
import { pickWorker } from './sticky-route';

export interface PoolOptions {
  readonly workers: number;
  readonly respawn: boolean;
  readonly respawnDelay: number;
  readonly env: (index: number) => Record<string, string>;
  readonly logger: Logger;
}

/** A live worker, as `StickyPrimary.liveWorkers()` lists it. */
export interface LiveWorker {
  readonly index: number;
  readonly pid: number;
}

export class WorkerPool {
  /** Every forked worker not yet exited, by slot. */
  private readonly forked = new Map<number, Worker>();
  /** The ready ones, by hash key (`w0`, `w1`...). */
  private readonly live = new Map<string, Worker>();
  private liveKeys: string[] = [];
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  /** While `start()` waits: all ready resolves it, an exit rejects it. */
  private startup: { resolve(): void; reject(error: Error): void } | undefined;
  private stopping = false;
  private roundRobin = 0;

  constructor(private readonly options: PoolOptions) {}

  /** Forks every slot; resolves when all are ready, rejects if one exits first or after `timeout` ms. */
  async start(timeout: number): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => {
      this.startup = { resolve, reject };
    });
    for (let slot = 0; slot < this.options.workers; slot++) this.fork(slot);
    try {
      await withinMs(ready, timeout, () => new Error(`sticky workers not all ready after ${timeout} ms`));
    } finally {
      this.startup = undefined;
    }
  }

  /** The worker for a server id (rendezvous hash over the live ones), or the next in turn for undefined. */
  route(serverId: string | undefined): Worker | undefined {
    if (serverId !== undefined) {
      const key = pickWorker(serverId, this.liveKeys);
      return key === undefined ? undefined : this.live.get(key);
    }
    if (this.liveKeys.length === 0) return undefined;
    this.roundRobin = (this.roundRobin + 1) % this.liveKeys.length;
    return this.live.get(this.liveKeys[this.roundRobin] as string);
  }

  liveWorkers(): LiveWorker[] {
    return [...this.live.entries()].map(([key, worker]) => ({
      index: Number(key.slice(1)),
      pid: worker.process.pid ?? 0,
    }));
  }

  /**
   * SIGTERM to every worker; resolves true when all exit within `timeout` ms, by themselves (code
   * 0) or by the signal; the others get SIGKILL, and it resolves false. A worker already
   * disconnected (dying before the stop) is waited for but does not count.
   */
  async stop(timeout: number): Promise<boolean> {
    this.stopping = true;
    for (const timer of this.respawnTimers) clearTimeout(timer);
    this.respawnTimers.clear();
    const workers = [...this.forked.values()];
    const counted = workers.map((worker) => worker.isConnected());
    const exits = workers.map((worker) => exitOf(worker));
    for (const worker of workers) worker.process.kill('SIGTERM');
    const results = await Promise.all(exits.map((exit) => withinMs(exit, timeout).catch(() => undefined)));
    const late = workers.filter((_worker, i) => results[i] === undefined);
    for (const worker of late) worker.process.kill('SIGKILL');
    await Promise.all(late.map((worker) => exitOf(worker)));
    return results.every(
      (result, i) => result !== undefined && (!counted[i] || result.code === 0 || result.signal === 'SIGTERM'),
    );
  }

  private fork(slot: number): void {
    const worker = cluster.fork({ ...this.options.env(slot), [STICKY_WORKER_ENV]: String(slot) });
    const key = `w${slot}`;
    this.forked.set(slot, worker);
    worker.on('message', (message: unknown) => {
      if (!isReadyMessage(message) || this.stopping) return;
      this.setLive(key, worker);
      if (this.live.size === this.options.workers) this.startup?.resolve();
    });
    worker.once('disconnect', () => this.setGone(key, worker));
    worker.once('exit', (code: number | null, signal: string | null) => {
      this.setGone(key, worker);
      if (this.forked.get(slot) === worker) this.forked.delete(slot);
      if (this.startup)
        this.startup.reject(new Error(`sticky worker ${slot} exited (${signal ?? String(code)}) before it was ready`));
      else if (!this.stopping) this.replace(slot, code, signal);
    });
  }

  private replace(slot: number, code: number | null, signal: string | null): void {
    const respawning = this.options.respawn;
    this.options.logger.warn(
      { worker: slot, code, signal, respawn: respawning },
      respawning ? 'sticky worker exited; forking a replacement' : 'sticky worker exited; not replaced',
    );
    if (!respawning) return;
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      if (!this.stopping) this.fork(slot);
    }, this.options.respawnDelay);
    this.respawnTimers.add(timer);
  }

  private setLive(key: string, worker: Worker): void {
    this.live.set(key, worker);
    this.liveKeys = [...this.live.keys()].sort();
  }

  private setGone(key: string, worker: Worker): void {
    if (this.live.get(key) !== worker) return;
    this.live.delete(key);
    this.liveKeys = [...this.live.keys()].sort();
  }
}

interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
}

function exitOf(worker: Worker): Promise<Exit> {
  if (worker.process.exitCode !== null || worker.process.signalCode !== null) {
    return Promise.resolve({ code: worker.process.exitCode, signal: worker.process.signalCode });
  }
  return new Promise((resolve) =>
    worker.once('exit', (code: number | null, signal: string | null) => resolve({ code, signal })),
  );
}

/** Settles as `promise`, or rejects with `late()` after `ms`. */
async function withinMs<T>(promise: Promise<T>, ms: number, late: () => Error = () => new Error('late')): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
