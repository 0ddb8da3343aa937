/**
 * The sticky primary's read of a new connection: its bytes up to the end of the request line,
 * bounded in size and time. The read stops at once when the line is complete, so that every later
 * byte stays in the kernel for the worker the connection goes to.
 */
import type { Socket } from 'node:net';
import { parseRequestLine, readRequestLine, serverIdOf } from './sticky-route';

export interface HeadLimits {
  /** Bytes read without a complete request line before the connection is answered 414. */
  readonly maxRequestLineBytes: number;
  /** Ms for the request line to come before the connection is answered 408. */
  readonly requestLineTimeout: number;
}

export type HeadOutcome =
  | { readonly kind: 'routed'; readonly head: Buffer; readonly serverId: string | undefined }
  | { readonly kind: 'refused'; readonly status: RefusalStatus }
  | { readonly kind: 'gone' };

const REFUSALS = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  503: 'Service Unavailable',
} as const;

export type RefusalStatus = keyof typeof REFUSALS;

/**
 * Reads `socket` (accepted paused) until its request line is complete, then calls `done` once, with
 * the socket paused and its handle no longer reading. `done` runs synchronously in the read that
 * completed the line: no byte read after it can be lost in this process.
 */
export function readHead(socket: Socket, limits: HeadLimits, done: (outcome: HeadOutcome) => void): void {
  const chunks: Buffer[] = [];
  let settled = false;
  const finish = (outcome: HeadOutcome): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('data', onData).off('end', onGone).off('error', onGone).off('close', onGone);
    stopReading(socket);
    done(outcome);
  };
  const onGone = (): void => finish({ kind: 'gone' });
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
    const read = readRequestLine(head, limits.maxRequestLineBytes);
    if (read.state === 'incomplete') return;
    if (read.state === 'too-long') return finish({ kind: 'refused', status: 414 });
    const request = parseRequestLine(read.line);
    if (!request) return finish({ kind: 'refused', status: 400 });
    finish({ kind: 'routed', head, serverId: serverIdOf(request.target) });
  };
  const timer = setTimeout(() => finish({ kind: 'refused', status: 408 }), limits.requestLineTimeout);
  socket.on('data', onData).once('end', onGone).once('error', onGone).once('close', onGone);
  socket.resume();
}

/** How long a refused connection may keep sending (a body behind the refused head) before it is cut. */
const REFUSAL_LINGER_MS = 1_000;

/**
 * Answers `status` with a short text body and half-closes. What the client still sends is read and
 * dropped until it closes its side (or for REFUSAL_LINGER_MS): closing with bytes unread would reset
 * the connection, and the client would see ECONNRESET instead of the answer.
 */
export function refuse(socket: Socket, status: RefusalStatus): void {
  if (socket.destroyed) return;
  const body = `${REFUSALS[status]}\n`;
  const response =
    `HTTP/1.1 ${status} ${REFUSALS[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  // Not unref'd: it is what ends the connection if the client never closes its side.
  const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  socket.once('close', () => clearTimeout(linger));
  socket.once('error', () => socket.destroy());
  socket.once('end', () => socket.destroy());
  socket.on('data', discard);
  socket.resume();
  socket.end(response);
}

function discard(): void {
  // A refused connection's input: read so that the close is orderly, and dropped.
}

interface ReadingHandle {
  reading?: boolean;
  readStop(): number;
}

function isReadingHandle(value: unknown): value is ReadingHandle {
  return typeof value === 'object' && value !== null && typeof (value as ReadingHandle).readStop === 'function';
}

/**
 * Pauses the stream and stops its handle reading. `pause()` alone only stops the 'data' events: the
 * handle goes on reading into the stream's buffer, and once the connection is sent to a worker (both
 * processes then hold it), bytes read here would never reach the worker. Node has no public call for
 * it (its own `pause()` does it only for sockets made with `onread`), so the handle's `readStop()` is
 * called directly. The server must make its sockets with `highWaterMark: 0`, or the stream's
 * read-ahead starts the handle again on the next tick (see the sticky primary).
 */
function stopReading(socket: Socket): void {
  socket.pause();
  const handle: unknown = Reflect.get(socket, '_handle');
  if (!isReadingHandle(handle) || handle.reading === false) return;
  handle.reading = false;
  handle.readStop();
}
