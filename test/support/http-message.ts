/**
 * HTTP/1.x messages as bytes: a request encoded exactly as it will be written, and a response
 * head and body as they appeared on the wire (raw header list, names as sent).
 */

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
  const body =
    req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
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

/** Parses a status line and header lines (the text before the blank line). */
export function parseHead(text: string): HttpHead {
  const lines = text.split('\r\n');
  const statusLine = lines.shift() ?? '';
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m || m[1] === undefined || m[2] === undefined)
    throw new Error(`malformed status line: ${JSON.stringify(statusLine)}`);
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return new HttpHead(m[1], parseInt(m[2], 10), m[3] ?? '', headers);
}
