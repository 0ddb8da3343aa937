/**
 * The server children's side of the benchmark: the config they get from the runner, listening on
 * loopback, and the measurements the runner asks for over IPC — the process's own CPU time between
 * `start` and `stop`, and memory after a full GC (children run with --expose-gc).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fdLimit, openFds, serveRpc } from '../ipc';

/** The same service settings for every server under test. */
export interface ServerConfig {
  heartbeatDelay: number;
  disconnectDelay: number;
  /** cluster-fanout: `/broadcast` joins a Redis cluster bus at `url` as node `nodeId` (ours only). */
  cluster?: { url: string; nodeId: string };
}

export const CONFIG_ENV = 'BENCH_SERVER_CONFIG';

export function readConfig(): ServerConfig {
  const raw = process.env[CONFIG_ENV];
  const parsed = (raw ? JSON.parse(raw) : {}) as Partial<ServerConfig>;
  return {
    heartbeatDelay: parsed.heartbeatDelay ?? 25_000,
    disconnectDelay: parsed.disconnectDelay ?? 5_000,
    ...(parsed.cluster ? { cluster: parsed.cluster } : {}),
  };
}

export interface CpuSample {
  /** User + system CPU time of this process, µs. */
  cpuUs: number;
  wallUs: number;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  fds: number;
  sessions: number;
}

/** What each server under test tells the control module. */
export interface ServerHooks {
  /** Sessions the server holds right now (all services). */
  sessions(): number;
  /** Warnings and errors the server logged. */
  problems(): number;
  /** Counters of the server's cluster bus, when it has one (dropped publishes, sequence gaps). */
  bus?(): Record<string, unknown>;
}

/** Collects what the server logs, so that a problem shows in the results instead of a flood. */
export class ProblemCounter {
  count = 0;
  private printed = 0;

  note(text: string): void {
    this.count++;
    if (this.printed < 5) {
      this.printed++;
      process.stderr.write(`[bench server] ${text}\n`);
    }
  }
}

function gcNow(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('server child needs --expose-gc');
  for (let i = 0; i < 4; i++) gc();
}

async function memory(hooks: ServerHooks): Promise<MemorySample> {
  gcNow();
  // Let finalizers and freed sockets settle, then collect again.
  await new Promise((resolve) => setTimeout(resolve, 100));
  gcNow();
  const usage = process.memoryUsage();
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    fds: openFds(),
    sessions: hooks.sessions(),
  };
}

/** Listens on 127.0.0.1 (a free port) and serves the runner's requests until told to exit. */
export function runServer(name: string, server: Server, hooks: ServerHooks): void {
  let cpuStart = process.cpuUsage();
  let wallStart = process.hrtime.bigint();
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const { port } = server.address() as AddressInfo;
    serveRpc(
      {
        start: () => {
          cpuStart = process.cpuUsage();
          wallStart = process.hrtime.bigint();
          return null;
        },
        stop: (): CpuSample => {
          const cpu = process.cpuUsage(cpuStart);
          return { cpuUs: cpu.user + cpu.system, wallUs: Number(process.hrtime.bigint() - wallStart) / 1000 };
        },
        memory: () => memory(hooks),
        status: () => ({ sessions: hooks.sessions(), problems: hooks.problems(), fds: openFds(), bus: hooks.bus?.() }),
        exit: () => {
          // Leave time for the reply; a --cpu-prof profile is written on this exit.
          setTimeout(() => process.exit(0), 20);
          return null;
        },
      },
      { name, port, pid: process.pid, fdLimit: fdLimit() },
    );
  });
}
