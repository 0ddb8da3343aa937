/**
 * Raw clients for hostile input: an HTTP/1.x connection over `net` that can connect from any local
 * address (127.0.0.2 for the session-binding rows), half-close, reset, and read responses, chunks
 * or bare bytes with deadlines; and an RFC 6455 client that writes arbitrary frames (unmasked,
 * reserved bits, bad opcodes, invalid UTF-8) and reads the server's frames one at a time.
 *
 * Built on the request encoder and head/response types of test/support/raw-http.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { encodeRequest, HttpHead, HttpResponse, type RawRequest } from '../support/raw-http';
import { withTimeout } from '../support/wait';

export const WAIT_MS = 3000;

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

function parseHead(text: string): HttpHead {
  const lines = text.split('\r\n');
  const statusLine = lines.shift() ?? '';
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m || m[1] === undefined || m[2] === undefined) throw new Error(`malformed status line: ${JSON.stringify(statusLine)}`);
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return new HttpHead(m[1], parseInt(m[2], 10), m[3] ?? '', headers);
}

export interface ConnectOptions {
  /** Local address to connect from (any of 127.0.0.0/8 works on Linux). */
  localAddress?: string;
  timeoutMs?: number;
}

/** One TCP connection, read incrementally with deadlines. */
export class Conn {
  private buffer: Buffer = Buffer.alloc(0);
  private eof = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  /** Resolves when the socket has fully closed. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket, readonly port: number) {
    socket.on('data', (data: Buffer) => {
      this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
      this.notify();
    });
    socket.on('end', () => {
      this.eof = true;
      this.notify();
    });
    socket.on('error', (err: Error) => {
      this.error = err;
      this.eof = true;
      this.notify();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.eof = true;
        this.notify();
        resolve();
      }),
    );
  }

  static connect(port: number, options: ConnectOptions = {}): Promise<Conn> {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
    socket.setNoDelay(true);
    const connected = new Promise<Conn>((resolve, reject) => {
      socket.once('connect', () => resolve(new Conn(socket, port)));
      socket.once('error', reject);
    });
    return withTimeout(connected, `TCP connect to ${port}`, options.timeoutMs ?? WAIT_MS).catch((err: unknown) => {
      socket.destroy();
      throw err;
    });
  }

  get localPort(): number {
    return this.socket.localPort ?? -1;
  }

  get hostHeader(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** True once the peer has closed (EOF or reset). */
  get ended(): boolean {
    return this.eof;
  }

  /** The socket error seen, if any (ECONNRESET...). */
  get socketError(): Error | undefined {
    return this.error;
  }

  /** Writes bytes; resolves once handed to the kernel (errors are recorded, not thrown: the server may have closed). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  sendRequest(req: RawRequest): Promise<void> {
    return this.write(encodeRequest(req, this.hostHeader));
  }

  /** Half-closes: sends FIN, keeps reading. */
  end(): void {
    this.socket.end();
  }

  /** Drops the connection with a TCP RST. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Bytes received and not consumed yet. */
  get pending(): Buffer {
    return this.buffer;
  }

  readHead(timeoutMs = WAIT_MS): Promise<HttpHead> {
    return this.waitFor('a response head', timeoutMs, () => {
      const end = this.buffer.indexOf(HEAD_END);
      if (end < 0) return undefined;
      const text = this.buffer.subarray(0, end).toString('latin1');
      this.consume(end + HEAD_END.length);
      return parseHead(text);
    });
  }

  /** One chunk of a chunked body, or null for the last chunk. */
  readChunk(timeoutMs = WAIT_MS): Promise<Buffer | null> {
    return this.waitFor('one HTTP chunk', timeoutMs, () => {
      const lineEnd = this.buffer.indexOf(CRLF);
      if (lineEnd < 0) return undefined;
      const sizeField = this.buffer.subarray(0, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '';
      if (!/^[0-9a-fA-F]+$/.test(sizeField)) throw new Error(`malformed chunk size line ${JSON.stringify(sizeField)}`);
      const size = parseInt(sizeField, 16);
      const start = lineEnd + CRLF.length;
      if (size === 0) {
        if (this.buffer.length < start + CRLF.length) return undefined;
        this.consume(start + CRLF.length);
        return null;
      }
      if (this.buffer.length < start + size + CRLF.length) return undefined;
      const payload = Buffer.from(this.buffer.subarray(start, start + size));
      this.consume(start + size + CRLF.length);
      return payload;
    });
  }

  readExact(length: number, timeoutMs = WAIT_MS): Promise<Buffer> {
    return this.waitFor(`${length} bytes`, timeoutMs, () => {
      if (this.buffer.length < length) return undefined;
      const out = Buffer.from(this.buffer.subarray(0, length));
      this.consume(length);
      return out;
    });
  }

  /** Everything until the server closes the connection. */
  readToEnd(timeoutMs = WAIT_MS): Promise<Buffer> {
    return this.waitFor(
      'the server to close the connection',
      timeoutMs,
      () => {
        if (!this.eof) return undefined;
        const out = this.buffer;
        this.buffer = Buffer.alloc(0);
        return out;
      },
      true,
    );
  }

  async readBody(head: HttpHead, method: string, timeoutMs = WAIT_MS): Promise<Buffer> {
    if (method === 'HEAD' || head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)) {
      return Buffer.alloc(0);
    }
    if (head.isChunked()) {
      const parts: Buffer[] = [];
      for (;;) {
        const chunk = await this.readChunk(timeoutMs);
        if (chunk === null) return Buffer.concat(parts);
        parts.push(chunk);
      }
    }
    const length = head.header('content-length');
    if (length !== undefined) return this.readExact(parseInt(length, 10), timeoutMs);
    return this.readToEnd(timeoutMs);
  }

  async readResponse(method: string, timeoutMs = WAIT_MS): Promise<HttpResponse> {
    const head = await this.readHead(timeoutMs);
    return new HttpResponse(head, await this.readBody(head, method, timeoutMs));
  }

  /**
   * Reads a streaming response's body (chunked or close-delimited) until `done` says the text so
   * far is enough; leaves the connection open.
   */
  async readStreamUntil(head: HttpHead, done: (text: string) => boolean, timeoutMs = WAIT_MS): Promise<string> {
    let text = '';
    if (head.isChunked()) {
      while (!done(text)) {
        const chunk = await this.readChunk(timeoutMs);
        if (chunk === null) break;
        text += chunk.toString('utf8');
      }
      return text;
    }
    return this.waitFor('streamed body text', timeoutMs, () => {
      const sofar = this.buffer.toString('utf8');
      if (done(sofar) || this.eof) {
        this.buffer = Buffer.alloc(0);
        return sofar;
      }
      return undefined;
    }, true);
  }

  /** Drops `n` received bytes (a caller that parsed them itself). */
  consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  waitFor<T>(what: string, timeoutMs: number, extract: () => T | undefined, eofIsExpected = false): Promise<T> {
    const attempt = async (): Promise<T> => {
      for (;;) {
        const value = extract();
        if (value !== undefined) return value;
        if (this.eof && !eofIsExpected) {
          const detail = this.error ? ` (${this.error.message})` : '';
          throw new Error(
            `connection closed while waiting for ${what}${detail}; unconsumed: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`,
          );
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    };
    return withTimeout(attempt(), what, timeoutMs).catch((err: unknown) => {
      this.wake = undefined;
      if (err instanceof Error && err.name === 'DeadlineError') {
        err.message += `; unconsumed: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`;
      }
      throw err;
    });
  }
}

/** Sends one request on a fresh connection and reads the response. */
export async function exchange(port: number, req: RawRequest, options: ConnectOptions = {}): Promise<HttpResponse> {
  const conn = await Conn.connect(port, options);
  try {
    await conn.sendRequest(req);
    return await conn.readResponse(req.method, options.timeoutMs ?? WAIT_MS);
  } finally {
    conn.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// RFC 6455, by hand.

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface OutFrame {
  opcode: number;
  payload: Buffer;
  /** Default true. */
  fin?: boolean;
  /** Client frames must be masked; false sends a protocol violation. Default true. */
  mask?: boolean;
  /** Sets RSV1 (no extension was negotiated: a violation). */
  rsv1?: boolean;
}

export interface InFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export function encodeFrame(frame: OutFrame): Buffer {
  const { payload } = frame;
  const mask = frame.mask ?? true;
  const first = ((frame.fin ?? true) ? 0x80 : 0) | (frame.rsv1 ? 0x40 : 0) | (frame.opcode & 0x0f);
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([first, (mask ? 0x80 : 0) | payload.length]);
  } else if (payload.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([header, key, masked]);
}

/** A websocket client that speaks frames, not messages. */
export class RawWs {
  private constructor(readonly conn: Conn, readonly head: HttpHead) {}

  /** Upgrades `path`; rejects with the HTTP response when the server refuses. */
  static async open(
    port: number,
    path: string,
    headers: Record<string, string> = {},
    options: ConnectOptions & { early?: Buffer } = {},
  ): Promise<RawWs> {
    const conn = await Conn.connect(port, options);
    try {
      const key = randomBytes(16).toString('base64');
      const request = encodeRequest(
        {
        method: 'GET',
        path,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': key,
          ...headers,
          },
        },
        conn.hostHeader,
      );
      // `early`: frames sent in the same write as the upgrade request, before any answer.
      await conn.write(options.early ? Buffer.concat([request, options.early]) : request);
      const head = await conn.readHead(options.timeoutMs ?? WAIT_MS);
      if (head.status !== 101) {
        const body = await conn.readBody(head, 'GET', options.timeoutMs ?? WAIT_MS).catch(() => Buffer.alloc(0));
        throw new HandshakeRefused(head.status, body.toString('utf8'));
      }
      const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      if (head.header('sec-websocket-accept') !== accept) throw new Error('bad Sec-WebSocket-Accept');
      return new RawWs(conn, head);
    } catch (error) {
      conn.destroy();
      throw error;
    }
  }

  send(frame: OutFrame): Promise<void> {
    return this.conn.write(encodeFrame(frame));
  }

  text(payload: string | Buffer): Promise<void> {
    return this.send({ opcode: OP.TEXT, payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload });
  }

  /** The next frame from the server; null when the connection ends first. */
  readFrame(timeoutMs = WAIT_MS): Promise<InFrame | null> {
    return this.conn.waitFor(
      'a websocket frame',
      timeoutMs,
      (): InFrame | null | undefined => {
        const buf = this.conn.pending;
        if (buf.length < 2) return this.conn.ended ? null : undefined;
        const b0 = buf[0] as number;
        const b1 = buf[1] as number;
        let length = b1 & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buf.length < 4) return undefined;
          length = buf.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buf.length < 10) return undefined;
          length = Number(buf.readBigUInt64BE(2));
          offset = 10;
        }
        if (b1 & 0x80) throw new Error('the server masked a frame');
        if (buf.length < offset + length) return this.conn.ended ? null : undefined;
        const frame = { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload: Buffer.from(buf.subarray(offset, offset + length)) };
        this.conn.consume(offset + length);
        return frame;
      },
      true,
    );
  }

  /** The next text message (pongs skipped); rejects on a close frame or the end of the connection. */
  async nextText(timeoutMs = WAIT_MS): Promise<string> {
    for (;;) {
      const frame = await this.readFrame(timeoutMs);
      if (frame === null) throw new Error('websocket ended while waiting for a text message');
      if (frame.opcode === OP.TEXT) return frame.payload.toString('utf8');
      if (frame.opcode === OP.CLOSE) throw new Error(`websocket closed (${describeClose(frame.payload)}) while waiting for a text message`);
    }
  }

  /**
   * Reads until the server's close frame (or the end of the connection): the text messages before
   * it and the close code (1006 when the connection ended without a close frame).
   */
  async untilClose(timeoutMs = WAIT_MS): Promise<{ messages: string[]; code: number; reason: string }> {
    const messages: string[] = [];
    for (;;) {
      const frame = await this.readFrame(timeoutMs);
      if (frame === null) return { messages, code: 1006, reason: '' };
      if (frame.opcode === OP.TEXT) messages.push(frame.payload.toString('utf8'));
      if (frame.opcode === OP.CLOSE) {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        return { messages, code, reason: frame.payload.subarray(2).toString('utf8') };
      }
    }
  }

  destroy(): void {
    this.conn.destroy();
  }
}

function describeClose(payload: Buffer): string {
  return payload.length >= 2 ? `${payload.readUInt16BE(0)} ${JSON.stringify(payload.subarray(2).toString('utf8'))}` : 'no code';
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`websocket handshake refused with HTTP ${status}: ${JSON.stringify(body)}`);
    this.name = 'HandshakeRefused';
  }
}

/** The hixie-76 challenge answer for two keys and the 8 key bytes. */
export function hixieAnswer(key1: string, key2: string, key3: Buffer): Buffer {
  const number = (key: string): number => Number(key.replace(/[^0-9]/g, '')) / (key.split(' ').length - 1);
  const input = Buffer.alloc(16);
  input.writeUInt32BE(number(key1), 0);
  input.writeUInt32BE(number(key2), 4);
  key3.copy(input, 8, 0, 8);
  return createHash('md5').update(input).digest();
}
