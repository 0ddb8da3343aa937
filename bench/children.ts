/**
 * The runner's side of its children: each is `node` under `bash -c 'ulimit -n ...; exec node ...'`
 * (the pid stays node's), talked to over IPC with request/reply, and killed when the runner exits,
 * fails or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ReadyMessage, RpcReply } from './ipc';

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

let installed = false;
/** Children die with the runner, whatever ends it. */
export function killChildrenOnExit(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export interface SpawnOptions {
  /** Compiled script, relative to .build-bench/bench. */
  script: string;
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** ms to wait for the child's ready message. */
  readyTimeoutMs?: number;
}

/** Raise the fd limit as far as the hard limit allows (65 536 wanted), then become node. */
const LAUNCH = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';

export class Child {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(value: unknown): void; reject(error: Error): void; op: string }
  >();
  private exited = false;

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readonly info: Record<string, unknown>,
  ) {
    proc.on('message', (message: unknown) => this.onMessage(message as RpcReply));
    proc.on('exit', (code, signal) => {
      this.exited = true;
      live.delete(proc);
      for (const { reject, op } of this.pending.values())
        reject(new Error(`${name} exited (${code ?? signal}) during ${op}`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  static spawn(name: string, options: SpawnOptions): Promise<Child> {
    const script = join(__dirname, options.script);
    const child = spawn('bash', ['-c', LAUNCH, process.execPath, ...(options.nodeFlags ?? []), script], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...options.env },
    });
    live.add(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} not ready in time`));
      }, options.readyTimeoutMs ?? 15_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before it was ready`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('message', (message: unknown) => {
        clearTimeout(timer);
        const ready = message as ReadyMessage;
        if (!ready.ready) return reject(new Error(`${name}: unexpected first message`));
        resolve(new Child(name, child, ready.info));
      });
    });
  }

  /** One request; rejects on the child's error, its exit, or after `timeoutMs`. */
  call<T>(op: string, args?: unknown, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        op,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.proc.send({ id, op, args });
    });
  }

  private onMessage(reply: RpcReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(new Error(`${this.name}: ${waiting.op} failed: ${reply.error ?? ''}`));
  }

  /** Asks the child to exit (so a --cpu-prof profile gets written), kills it if it does not. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    try {
      await this.call('exit', undefined, 2000);
    } catch {
      // killed below
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
