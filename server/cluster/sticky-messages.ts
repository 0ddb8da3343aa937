/**
 * What the sticky primary and its workers say to each other over the cluster IPC channel. The
 * connection itself travels as the message's handle (`worker.send(message, socket)`).
 */

/** The environment variable that gives a forked worker its slot (0, 1, ...) and marks it as sticky. */
export const STICKY_WORKER_ENV = 'SOCKJS_STICKY_WORKER';

/** Primary to worker, with the connection as handle: its number, and the bytes the primary read from it, base64. */
export interface StickyConnectionMessage {
  readonly cmd: 'sockjs-ts-server:sticky-connection';
  readonly id: number;
  readonly head: string;
}

/** Worker to primary: it has taken connection `id` (the primary then closes its own copy of it). */
export interface StickyAcceptedMessage {
  readonly cmd: 'sockjs-ts-server:sticky-accepted';
  readonly id: number;
}

/** Worker to primary: it accepts connections now. */
export interface StickyReadyMessage {
  readonly cmd: 'sockjs-ts-server:sticky-ready';
}

export function connectionMessage(id: number, head: Buffer): StickyConnectionMessage {
  return { cmd: 'sockjs-ts-server:sticky-connection', id, head: head.toString('base64') };
}

export function acceptedMessage(id: number): StickyAcceptedMessage {
  return { cmd: 'sockjs-ts-server:sticky-accepted', id };
}

export const READY_MESSAGE: StickyReadyMessage = { cmd: 'sockjs-ts-server:sticky-ready' };

function hasCmd(value: unknown, cmd: string): boolean {
  return typeof value === 'object' && value !== null && (value as { cmd?: unknown }).cmd === cmd;
}

export function isConnectionMessage(value: unknown): value is StickyConnectionMessage {
  return (
    hasCmd(value, 'sockjs-ts-server:sticky-connection') &&
    typeof (value as { head?: unknown }).head === 'string' &&
    typeof (value as { id?: unknown }).id === 'number'
  );
}

export function isAcceptedMessage(value: unknown): value is StickyAcceptedMessage {
  return hasCmd(value, 'sockjs-ts-server:sticky-accepted') && typeof (value as { id?: unknown }).id === 'number';
}

export function isReadyMessage(value: unknown): value is StickyReadyMessage {
  return hasCmd(value, READY_MESSAGE.cmd);
}
