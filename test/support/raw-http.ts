/**
 * A small HTTP/1.x client written directly on top of `net`.
 *
 * Node's own http client merges and hides transfer-coding details; the SockJS
 * conformance tests need the opposite: exact request bytes, the raw list of
 * response headers, and chunked bodies read one chunk at a time (each SockJS
 * frame on a streaming transport must travel in its own HTTP chunk).
 */
import net from 'node:net';
import { DEFAULT_WAIT_MS, withTimeout } from './wait';

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** Status line and headers of one response, as they appeared on the wire. */
export class HttpHead {
  constructor(
    /** e.g. "1.1" */
    readonly httpVersion: string,
    readonly status: number,
    readonly reason: string,
    /** Every header line in order, names as sent by the server. */
    readonly rawHeaders: ReadonlyArray<readonly [string, string]>,
  ) {}

  /** Case-insensitive lookup; repeated headers are joined with ", ". */
  header(name: string): string | undefined {
    const wanted = name.toLowerCase();
    const values = this.rawHeaders.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
    return values.length === 0 ? undefined : values.join(', ');
  }

  has(name: string): boolean {
    return this.header(name) !== undefined;
  }

  /** Content-Type with every space removed (the suite compares it that way). */
  contentTypeNoSpaces(): string | undefined {
    return this.header('content-type')?.replace(/ /g, '');
  }

  isChunked(): boolean {
    return (this.header('transfer-encoding') ?? '').toLowerCase() === 'chunked';
  }
}

export interface RawRequest {
  method: string;
  /** Path plus optional query string, sent verbatim. */
  path: string;
  /** Header name to value. A Host header is added unless one is given. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** "1.1" (default) or "1.0". */
  httpVersion?: '1.0' | '1.1';
  /**
   * By default a POST always carries Content-Length (0 when there is no body),
   * like the Python suite's client. Set true to send no Content-Length at all.
   */
  omitContentLength?: boolean;
}

/** Serialises a request exactly as it will be written to the socket. */
export function encodeRequest(req: RawRequest, hostHeader: string): Buffer {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  const headers: Array<[string, string]> = [];
  const given = req.headers ?? {};
  const givenNames = new Set(Object.keys(given).map((n) => n.toLowerCase()));
  if (!givenNames.has('host')) headers.push(['Host', hostHeader]);
  for (const [name, value] of Object.entries(given)) headers.push([name, value]);
  if (!req.omitContentLength && !givenNames.has('content-length')) {
    if (body !== undefined) headers.push(['Content-Length', String(body.length)]);
    else if (req.method === 'POST') headers.push(['Content-Length', '0']);
  }
  const head =
    `${req.method} ${req.path} HTTP/${req.httpVersion ?? '1.1'}\r\n` +
    headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') +
    '\r\n';
  return body === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** One TCP connection to the server, read incrementally. */
export class RawHttpConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private eof = false;
  private socketError: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(
    readonly socket: net.Socket,
    readonly port: number,
    readonly host: string,
  ) {
    socket.on('data', (data: Buffer) => {
      this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
      this.notify();
    });
    socket.on('end', () => {
      this.eof = true;
      this.notify();
    });
    socket.on('close', () => {
      this.eof = true;
      this.notify();
    });
    socket.on('error', (err: Error) => {
      this.socketError = err;
      this.eof = true;
      this.notify();
    });
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = DEFAULT_WAIT_MS): Promise<RawHttpConnection> {
    const socket = net.connect({ port, host });
    socket.setNoDelay(true);
    const connected = new Promise<RawHttpConnection>((resolve, reject) => {
      socket.once('connect', () => resolve(new RawHttpConnection(socket, port, host)));
      socket.once('error', reject);
    });
    return withTimeout(connected, `TCP connect to ${host}:${port}`, timeoutMs).catch((err: unknown) => {
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

  /** Writes raw bytes; resolves once they have been handed to the kernel. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  sendRequest(req: RawRequest): Promise<void> {
    return this.write(encodeRequest(req, this.hostHeader));
  }

  /** True once the server has closed its side (EOF) and every received byte was consumed. */
  get drainedAndClosed(): boolean {
    return this.eof && this.buffer.length === 0;
  }

  /** Bytes received but not consumed yet. */
  get pending(): Buffer {
    return this.buffer;
  }

  /** Reads a status line and headers. */
  readHead(timeoutMs = DEFAULT_WAIT_MS): Promise<HttpHead> {
    return this.waitFor('response status line and headers', timeoutMs, () => {
      const end = this.buffer.indexOf(HEAD_END);
      if (end < 0) return undefined;
      const text = this.buffer.subarray(0, end).toString('latin1');
      this.consume(end + HEAD_END.length);
      return parseHead(text);
    });
  }

  /**
   * Reads exactly one chunk of a chunked body and returns its payload, or null
   * when the terminating zero-length chunk (and its trailer section) arrives.
   */
  readChunk(timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer | null> {
    return this.waitFor('one HTTP chunk', timeoutMs, () => {
      const lineEnd = this.buffer.indexOf(CRLF);
      if (lineEnd < 0) return undefined;
      const sizeField = this.buffer.subarray(0, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '';
      if (!/^[0-9a-fA-F]+$/.test(sizeField)) {
        throw new Error(`malformed chunk size line: ${JSON.stringify(this.buffer.subarray(0, lineEnd).toString('latin1'))}`);
      }
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
    });
  }

  /** readChunk() decoded as UTF-8. */
  async readChunkText(timeoutMs = DEFAULT_WAIT_MS): Promise<string | null> {
    const chunk = await this.readChunk(timeoutMs);
    return chunk === null ? null : chunk.toString('utf8');
  }

  /** Reads exactly `length` bytes (identity-coded data). */
  readExact(length: number, timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer> {
    return this.waitFor(`${length} body bytes`, timeoutMs, () => {
      if (this.buffer.length < length) return undefined;
      const out = Buffer.from(this.buffer.subarray(0, length));
      this.consume(length);
      return out;
    });
  }

  /** Reads everything until the server closes the connection. */
  readToEnd(timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer> {
    return this.waitFor('the server to close the connection', timeoutMs, () => {
      if (!this.eof) return undefined;
      const out = this.buffer;
      this.buffer = Buffer.alloc(0);
      return out;
    }, true);
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

  /** Sends a request and reads the complete response on this connection. */
  async roundTrip(req: RawRequest, timeoutMs = DEFAULT_WAIT_MS): Promise<HttpResponse> {
    await this.sendRequest(req);
    const head = await this.readHead(timeoutMs);
    const bodyBytes = await this.readBody(head, req.method, timeoutMs);
    return new HttpResponse(head, bodyBytes);
  }

  /** Abruptly closes the connection (like a browser aborting a request). */
  destroy(): void {
    this.socket.destroy();
  }

  private consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private waitFor<T>(what: string, timeoutMs: number, extract: () => T | undefined, eofIsExpected = false): Promise<T> {
    const attempt = async (): Promise<T> => {
      for (;;) {
        const value = extract();
        if (value !== undefined) return value;
        if (this.eof && !eofIsExpected) {
          const detail = this.socketError ? ` (${this.socketError.message})` : '';
          throw new Error(
            `connection closed by the server while waiting for ${what}${detail}; unconsumed bytes: ` +
              JSON.stringify(this.buffer.toString('latin1').slice(0, 300)),
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
        err.message += `; unconsumed bytes: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`;
      }
      throw err;
    });
  }
}

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

/** A complete response. */
export class HttpResponse {
  constructor(
    readonly head: HttpHead,
    readonly bodyBytes: Buffer,
  ) {}

  get status(): number {
    return this.head.status;
  }

  get body(): string {
    return this.bodyBytes.toString('utf8');
  }

  header(name: string): string | undefined {
    return this.head.header(name);
  }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  httpVersion?: '1.0' | '1.1';
  omitContentLength?: boolean;
  timeoutMs?: number;
}

/** Opens a connection, sends one request, reads the whole response, closes. */
export async function request(port: number, method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const conn = await RawHttpConnection.connect(port);
  try {
    return await conn.roundTrip({ method, path, ...options }, options.timeoutMs ?? DEFAULT_WAIT_MS);
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
export async function openStream(port: number, method: string, path: string, options: RequestOptions = {}): Promise<OpenStream> {
  const conn = await RawHttpConnection.connect(port);
  try {
    await conn.sendRequest({ method, path, ...options });
    const head = await conn.readHead(options.timeoutMs ?? DEFAULT_WAIT_MS);
    return { conn, head };
  } catch (err) {
    conn.destroy();
    throw err;
  }
}
