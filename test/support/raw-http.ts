/**
 * A small HTTP/1.x client written directly on top of `net`.
 *
 * Node's own http client merges and hides transfer-coding details; the SockJS conformance and
 * hostile-input tests need the opposite: exact request bytes (or any bytes at all), the raw list
 * of response headers, chunked bodies read one chunk at a time (each SockJS frame on a streaming
 * transport must travel in its own HTTP chunk), connections from any local address, half-closes
 * and resets. Every read has a deadline.
 */
import net from 'node:net';
import { encodeRequest, HttpHead, HttpResponse, parseHead, type RawRequest } from './http-message';
import { ChangeBus, DEFAULT_WAIT_MS, withTimeout } from './wait';

export { encodeRequest, HttpHead, HttpResponse, type RawRequest };

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

export interface ConnectOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Local address to connect from (any of 127.0.0.0/8 works on Linux). */
  localAddress?: string;
  /** Deadline of the connect, and of each read of the helpers below that take options. */
  timeoutMs?: number;
}

/** One TCP connection to the server, read incrementally. */
export class RawHttpConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private eof = false;
  private error: Error | undefined;
  private discarding = false;
  private readonly changes = new ChangeBus();
  /** Resolves when the socket has fully closed. */
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: net.Socket,
    readonly port: number,
    readonly host: string,
  ) {
    socket.on('data', (data: Buffer) => {
      if (this.discarding) return;
      this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
      this.changes.changed();
    });
    socket.on('end', () => this.peerEnded());
    socket.on('error', (err: Error) => {
      this.error = err;
      this.peerEnded();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.peerEnded();
        resolve();
      }),
    );
  }

  static connect(port: number, options: ConnectOptions = {}): Promise<RawHttpConnection> {
    const host = options.host ?? '127.0.0.1';
    const socket = net.connect({
      port,
      host,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    socket.setNoDelay(true);
    const connected = new Promise<RawHttpConnection>((resolve, reject) => {
      socket.once('connect', () => resolve(new RawHttpConnection(socket, port, host)));
      socket.once('error', reject);
    });
    return withTimeout(connected, `TCP connect to ${host}:${port}`, options.timeoutMs).catch((err: unknown) => {
      socket.destroy();
      throw err;
    });
  }

  /** Local (client-side) port: lets a test recognise this connection on the server. */
  get localPort(): number {
    return this.socket.localPort ?? -1;
  }

  /** The Host header value the convenience methods send. */
  get hostHeader(): string {
    return `${this.host}:${this.port}`;
  }

  /** True once the server has closed its side (EOF or reset). */
  get ended(): boolean {
    return this.eof;
  }

  /** The socket error seen, if any (ECONNRESET...). */
  get socketError(): Error | undefined {
    return this.error;
  }

  /** True once the server has closed its side and every received byte was consumed. */
  get drainedAndClosed(): boolean {
    return this.eof && this.buffer.length === 0;
  }

  /** Bytes received but not consumed yet. */
  get pending(): Buffer {
    return this.buffer;
  }

  /**
   * Writes bytes; resolves once they are handed to the kernel. Never rejects: the server may
   * have closed on purpose, and the reads that follow say so (with the socket error).
   */
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

  /** Abruptly closes the connection (like a browser aborting a request). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Stops reading from the socket (the server's writes back up). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Reads on and drops everything, from now on: a client that only drains what the server sends. */
  discardIncoming(): void {
    this.discarding = true;
    this.buffer = Buffer.alloc(0);
    this.socket.resume();
  }

  /** Drops `n` received bytes (a caller that parsed them itself). */
  consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
  }

  /** Takes every byte received so far. */
  takePending(): Buffer {
    const out = this.buffer;
    this.buffer = Buffer.alloc(0);
    return out;
  }

  /**
   * Takes one complete chunk of a chunked body if it has arrived: its payload, null for the last
   * chunk (with its trailer section), undefined if it is not complete yet.
   */
  takeChunk(): Buffer | null | undefined {
    const lineEnd = this.buffer.indexOf(CRLF);
    if (lineEnd < 0) return undefined;
    const sizeLine = this.buffer.subarray(0, lineEnd).toString('latin1');
    const sizeField = sizeLine.split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeField)) throw new Error(`malformed chunk size line: ${JSON.stringify(sizeLine)}`);
    const size = parseInt(sizeField, 16);
    const dataStart = lineEnd + CRLF.length;
    if (size === 0) {
      // Last chunk: optional trailer fields, then an empty line.
      if (this.buffer.length < dataStart + CRLF.length) return undefined;
      if (this.buffer.subarray(dataStart, dataStart + CRLF.length).equals(CRLF)) {
        this.consume(dataStart + CRLF.length);
        return null;
      }
      const trailerEnd = this.buffer.indexOf(HEAD_END, dataStart);
      if (trailerEnd < 0) return undefined;
      this.consume(trailerEnd + HEAD_END.length);
      return null;
    }
    if (this.buffer.length < dataStart + size + CRLF.length) return undefined;
    const payload = Buffer.from(this.buffer.subarray(dataStart, dataStart + size));
    if (!this.buffer.subarray(dataStart + size, dataStart + size + CRLF.length).equals(CRLF)) {
      throw new Error('chunk payload is not followed by CRLF');
    }
    this.consume(dataStart + size + CRLF.length);
    return payload;
  }

  /**
   * Resolves with the first value `extract` returns other than undefined, tried now and on every
   * byte received. Rejects after `timeoutMs`, when `extract` throws, or when the server closes
   * first (unless `eofIsExpected`: then `extract` sees the end via `ended`).
   */
  waitFor<T>(
    what: string,
    extract: () => T | undefined,
    timeoutMs = DEFAULT_WAIT_MS,
    eofIsExpected = false,
  ): Promise<T> {
    const attempt = (): T | undefined => {
      const value = extract();
      if (value !== undefined || !this.eof || eofIsExpected) return value;
      const detail = this.error ? ` (${this.error.message})` : '';
      throw new Error(`connection closed by the server while waiting for ${what}${detail}; ${this.describePending()}`);
    };
    return this.changes.until(attempt, what, timeoutMs, () => this.describePending());
  }

  /** Reads a status line and headers. */
  readHead(timeoutMs = DEFAULT_WAIT_MS): Promise<HttpHead> {
    return this.waitFor(
      'response status line and headers',
      () => {
        const end = this.buffer.indexOf(HEAD_END);
        if (end < 0) return undefined;
        const text = this.buffer.subarray(0, end).toString('latin1');
        this.consume(end + HEAD_END.length);
        return parseHead(text);
      },
      timeoutMs,
    );
  }

  /** Reads exactly one chunk of a chunked body: its payload, or null for the terminating chunk. */
  readChunk(timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer | null> {
    return this.waitFor('one HTTP chunk', () => this.takeChunk(), timeoutMs);
  }

  /** readChunk() decoded as UTF-8. */
  async readChunkText(timeoutMs = DEFAULT_WAIT_MS): Promise<string | null> {
    const chunk = await this.readChunk(timeoutMs);
    return chunk === null ? null : chunk.toString('utf8');
  }

  /** Reads exactly `length` bytes (identity-coded data). */
  readExact(length: number, timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer> {
    return this.waitFor(
      `${length} body bytes`,
      () => {
        if (this.buffer.length < length) return undefined;
        const out = Buffer.from(this.buffer.subarray(0, length));
        this.consume(length);
        return out;
      },
      timeoutMs,
    );
  }

  /** Reads everything until the server closes the connection. */
  readToEnd(timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer> {
    return this.waitFor(
      'the server to close the connection',
      () => (this.eof ? this.takePending() : undefined),
      timeoutMs,
      true,
    );
  }

  /** Resolves true if the server closed the connection without sending more bytes. */
  async waitForServerClose(timeoutMs = DEFAULT_WAIT_MS): Promise<boolean> {
    const rest = await this.readToEnd(timeoutMs);
    return rest.length === 0;
  }

  /** Reads the body that follows `head`, using the framing the head announces. */
  async readBody(head: HttpHead, method: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer> {
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

  /** Reads one complete response (head and body). */
  async readResponse(method: string, timeoutMs = DEFAULT_WAIT_MS): Promise<HttpResponse> {
    const head = await this.readHead(timeoutMs);
    return new HttpResponse(head, await this.readBody(head, method, timeoutMs));
  }

  /** Sends a request and reads the complete response on this connection. */
  async roundTrip(req: RawRequest, timeoutMs = DEFAULT_WAIT_MS): Promise<HttpResponse> {
    await this.sendRequest(req);
    return this.readResponse(req.method, timeoutMs);
  }

  /**
   * Reads a streaming response's body (chunked or close-delimited) until `done` says the text so
   * far is enough, or the body ends; leaves the connection open.
   */
  async readStreamUntil(head: HttpHead, done: (text: string) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    let text = '';
    if (head.isChunked()) {
      while (!done(text)) {
        const chunk = await this.readChunk(timeoutMs);
        if (chunk === null) break;
        text += chunk.toString('utf8');
      }
      return text;
    }
    return this.waitFor(
      'streamed body text',
      () => {
        const sofar = this.buffer.toString('utf8');
        if (!done(sofar) && !this.eof) return undefined;
        this.buffer = Buffer.alloc(0);
        return sofar;
      },
      timeoutMs,
      true,
    );
  }

  private peerEnded(): void {
    this.eof = true;
    this.changes.changed();
  }

  private describePending(): string {
    return `unconsumed bytes: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`;
  }
}

export type RequestOptions = Omit<RawRequest, 'method' | 'path'> & ConnectOptions;

/** Opens a connection, sends one request, reads the whole response, closes. */
export async function request(
  port: number,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResponse> {
  const conn = await RawHttpConnection.connect(port, options);
  try {
    return await conn.roundTrip({ method, path, ...options }, options.timeoutMs);
  } finally {
    conn.destroy();
  }
}

export const GET = (port: number, path: string, options?: RequestOptions): Promise<HttpResponse> =>
  request(port, 'GET', path, options);
export const POST = (port: number, path: string, options?: RequestOptions): Promise<HttpResponse> =>
  request(port, 'POST', path, options);
export const OPTIONS = (port: number, path: string, options?: RequestOptions): Promise<HttpResponse> =>
  request(port, 'OPTIONS', path, options);

/** A request whose response is read incrementally (streaming transports). */
export interface OpenStream {
  conn: RawHttpConnection;
  head: HttpHead;
}

/** Sends a request and returns once the response head has arrived, leaving the body unread. */
export async function openStream(
  port: number,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<OpenStream> {
  const conn = await RawHttpConnection.connect(port, options);
  try {
    await conn.sendRequest({ method, path, ...options });
    const head = await conn.readHead(options.timeoutMs);
    return { conn, head };
  } catch (err) {
    conn.destroy();
    throw err;
  }
}
