/** Processes seen from outside, for a peer server that is not a node child (RabbitMQ): /proc, ports, signals. */
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';

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
