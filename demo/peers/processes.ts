/**
 * Peer processes the demos and tests start (nginx, redis-server, RabbitMQ): free ports, waiting for a
 * listening socket, waiting for an exit; and processes seen from outside (/proc, signals) for a peer
 * that is not a direct child (RabbitMQ).
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { DeadlineError } from '../proxy/wait';

/** A port that was free a moment ago on 127.0.0.1 (a peer needs a number in its config or flags). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A child peer process as waiting on it needs it. */
export interface PeerChild {
  /** What the errors call it (`nginx (sticky)`, `redis-server`). */
  readonly name: string;
  readonly port: number;
  /** Resolves when it has exited. */
  readonly exited: Promise<void>;
  /** Whether it has exited, with its code. */
  exitCode(): number | null | undefined;
  /** Its log so far, for the error when it does not come up. */
  log(): string;
}

/**
 * Resolves once `peer` accepts connections on its port; rejects if it exits first or after `ms`. The
 * listening socket is the only readiness signal these servers give: tried every 20 ms, or on exit.
 */
export async function untilListening(peer: PeerChild, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const code = peer.exitCode();
    if (code !== undefined) throw new Error(`${peer.name} exited with ${String(code)}:\n${peer.log()}`);
    if (await accepts(peer.port)) return;
    if (Date.now() > deadline) throw new DeadlineError(`${peer.name} to listen on ${peer.port}`, ms, peer.log());
    await Promise.race([new Promise((wake) => setTimeout(wake, 20)), peer.exited]);
  }
}

/** What to do to the peers still running if this process exits without stopping them. */
const onExit = new Set<() => void>();
let exitHookInstalled = false;

/**
 * Calls `kill` (synchronous: SIGKILL, remove a directory) if this process exits before `exited`
 * settles, so that no peer outlives a test run that ended early.
 */
export function killOnProcessExit(kill: () => void, exited: Promise<void>): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const each of onExit) each();
    });
  }
  onExit.add(kill);
  void exited.then(() => onExit.delete(kill));
}

/** SIGTERM, then SIGKILL if it has not exited within `ms`; resolves once it has exited. */
export async function terminate(child: ChildProcess, exited: Promise<void>, ms: number): Promise<void> {
  child.kill('SIGTERM');
  if (await exitsWithin(exited, ms)) return;
  child.kill('SIGKILL');
  await exited;
}

/** True when `exited` settles within `ms`, false when it does not (then the caller kills harder). */
export async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((answer) => {
    timer = setTimeout(() => answer(false), ms);
  });
  const inTime = await Promise.race([exited.then(() => true), late]);
  clearTimeout(timer);
  return inTime;
}

export interface ProcInfo {
  pid: number;
  comm: string;
  ppid: number;
  pgid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
}

/** /proc/<pid>/stat: `pid (comm) state ppid pgrp ... utime(14) stime(15)`; comm may hold spaces. */
export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text
      .slice(close + 2)
      .trim()
      .split(' ');
    // fields[0] is field 3 (state).
    return {
      pid,
      comm: text.slice(text.indexOf('(') + 1, close),
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined;
  }
}

export function allProcesses(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => procInfo(Number(name)) ?? []);
}

/** A process's children and theirs (beam, its disk monitor shell, erl_child_setup, ...), found by ppid. */
export function descendants(root: number): number[] {
  const all = allProcesses();
  const found: number[] = [];
  let frontier = [root];
  for (let depth = 0; depth < 8 && frontier.length > 0; depth++) {
    const next = all.filter((p) => frontier.includes(p.ppid)).map((p) => p.pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

export function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
