import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Close, CloseCode } from '../protocol';
import { stopReading, type TextSocket, type TextSocketEvents } from './text-socket';

/**
 * The hixie-76 websocket draft (2010), which `ws` does not speak. Old proxies (haproxy in the
 * protocol suite) hold back the 8 key bytes until they see the server's 101 headers, so the
 * headers go out first and the 16-byte answer follows once the key bytes have arrived.
 */

export function isHixie76(req: IncomingMessage): boolean {
  return req.headers['sec-websocket-key1'] !== undefined && req.headers['sec-websocket-key2'] !== undefined;
}

/** A key's digits divided by its number of spaces, or undefined for a malformed key. */
function keyNumber(key: string): number | undefined {
  const digits = key.replace(/[^0-9]/g, '');
  const spaces = key.split(' ').length - 1;
  if (digits === '' || digits.length > 10 || spaces === 0) return undefined;
  const value = Number(digits);
  if (value % spaces !== 0 || value / spaces > 0xffffffff) return undefined;
  return value / spaces;
}

function challengeAnswer(key1: number, key2: number, key3: Buffer): Buffer {
  const input = Buffer.alloc(16);
  input.writeUInt32BE(key1, 0);
  input.writeUInt32BE(key2, 4);
  key3.copy(input, 8, 0, 8);
  return createHash('md5').update(input).digest();
}

const FRAME_START = 0x00;
const FRAME_END = 0xff;
const CLOSE_FRAME = Buffer.from([0xff, 0x00]);

/**
 * Completes a hixie-76 handshake on `socket` and calls `ready` with a TextSocket once the
 * challenge is answered; answers false (and leaves the socket alone) when the keys are malformed.
 */
export function acceptHixie76(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  maxMessageBytes: number,
  ready: (socket: TextSocket) => void,
): boolean {
  const key1 = keyNumber(String(req.headers['sec-websocket-key1']));
  const key2 = keyNumber(String(req.headers['sec-websocket-key2']));
  if (key1 === undefined || key2 === undefined) return false;
  const secure = (socket as Duplex & { encrypted?: boolean }).encrypted === true;
  socket.write(
    'HTTP/1.1 101 WebSocket Protocol Handshake\r\n' +
      'Upgrade: WebSocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Origin: ${headerValue(req.headers.origin ?? 'null')}\r\n` +
      `Sec-WebSocket-Location: ${secure ? 'wss' : 'ws'}://${headerValue(req.headers.host ?? '')}${headerValue(req.url ?? '/')}\r\n` +
      '\r\n',
  );
  let pending = head;
  const onKeyData = (chunk: Buffer): void => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (pending.length < 8) return;
    socket.off('data', onKeyData);
    socket.write(challengeAnswer(key1, key2, pending.subarray(0, 8)));
    ready(new Hixie76Socket(socket, pending.subarray(8), maxMessageBytes));
  };
  socket.on('data', onKeyData);
  if (head.length > 0) {
    pending = Buffer.alloc(0);
    onKeyData(head);
  }
  return true;
}

/** Header values are echoed: no CR/LF may pass. */
function headerValue(value: string): string {
  return value.replace(/[\r\n]/g, '');
}

class Hixie76Socket implements TextSocket {
  readonly protocol = '';
  private buffered: Buffer;
  private events: TextSocketEvents | undefined;
  private closed = false;

  constructor(
    private readonly socket: Duplex,
    rest: Buffer,
    private readonly maxMessageBytes: number,
  ) {
    this.buffered = rest;
  }

  get full(): boolean {
    return this.socket.writableNeedDrain;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  listen(events: TextSocketEvents): void {
    this.events = events;
    this.socket.on('data', (chunk: Buffer) => this.received(chunk));
    this.socket.on('drain', () => events.socketDrained());
    this.socket.on('error', (error) => events.socketError(error));
    this.socket.on('close', () => this.gone(CloseCode.CONNECTION_LOST, ''));
    if (this.buffered.length > 0) this.received(Buffer.alloc(0));
  }

  send(message: string | Uint8Array): void {
    if (this.closed) return;
    // hixie-76 text frames only; binary never reaches here (SockJS sessions carry text).
    const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message);
    const frame = Buffer.allocUnsafe(body.length + 2);
    frame[0] = FRAME_START;
    body.copy(frame, 1);
    frame[frame.length - 1] = FRAME_END;
    this.socket.write(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.socket.end(CLOSE_FRAME);
    this.gone(code, reason);
  }

  /** hixie-76 has no ping; its heartbeat is the SockJS `h` frame alone. */
  ping(): void {}

  sendWithPing(text: string): void {
    this.send(text);
  }

  terminate(): void {
    this.socket.destroy();
    this.gone(CloseCode.CONNECTION_LOST, '');
  }

  private received(chunk: Buffer): void {
    // Nothing is read after the close frame: kept, it would pile up until the peer hangs up.
    if (this.closed) return;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length > 0 && !this.closed) {
      if (this.buffered[0] === FRAME_START) {
        const end = this.buffered.indexOf(FRAME_END);
        if (end === -1) {
          if (this.buffered.length > this.maxMessageBytes) {
            this.buffered = Buffer.alloc(0);
            this.events?.socketTooBig();
            this.close(Close.MESSAGE_TOO_BIG.code, Close.MESSAGE_TOO_BIG.reason);
            stopReading(this.socket);
          }
          return;
        }
        const text = this.buffered.toString('utf8', 1, end);
        this.buffered = this.buffered.subarray(end + 1);
        this.events?.socketMessage(text);
      } else if (this.buffered[0] === FRAME_END && this.buffered.length >= 2 && this.buffered[1] === 0x00) {
        this.close(CloseCode.NORMAL, '');
      } else if (this.buffered.length >= 2 || this.buffered[0] !== FRAME_END) {
        this.terminate();
      } else {
        return;
      }
    }
  }

  private gone(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.events?.socketClosed(code, reason);
  }
}
