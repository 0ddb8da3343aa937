/**
 * The small request/reply protocol between the orchestrator and its children (servers and load
 * generators), over node's IPC channel. Child side here; the parent side is in children.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface RpcRequest {
  id: number;
  op: string;
  args?: unknown;
}

export interface RpcReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** Sent once by a child when it is ready for requests. */
export interface ReadyMessage {
  ready: true;
  info: Record<string, unknown>;
}

export type RpcHandler = (args: unknown) => unknown;

function isRequest(message: unknown): message is RpcRequest {
  const m = message as Partial<RpcRequest> | null;
  return typeof m === 'object' && m !== null && typeof m.id === 'number' && typeof m.op === 'string';
}

function reply(message: RpcReply): void {
  if (process.connected) process.send?.(message);
}

/**
 * Serves requests from the parent. A child whose parent goes away exits at once, so that no
 * benchmark process can outlive the run.
 */
export function serveRpc(handlers: Record<string, RpcHandler>, info: Record<string, unknown>): void {
  if (!process.send) throw new Error('bench child started without an IPC channel');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: unknown) => {
    if (!isRequest(message)) return;
    const handler = handlers[message.op];
    if (!handler) {
      reply({ id: message.id, ok: false, error: `unknown op ${message.op}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (result) => reply({ id: message.id, ok: true, result }),
        (error: unknown) =>
          reply({
            id: message.id,
            ok: false,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          }),
      );
  });
  const ready: ReadyMessage = { ready: true, info };
  process.send(ready);
}

/** Open file descriptors allowed to this process (soft limit, or the hard one), from /proc. */
export function fdLimit(hard = false): number {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('Max open files'));
    const value = line?.split(/\s{2,}/)[hard ? 2 : 1]?.trim();
    return value === undefined || value === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(value);
  } catch {
    return 1024;
  }
}

/** Open file descriptors of this process right now. */
export function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}
