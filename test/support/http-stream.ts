/**
 * A streaming response (xhr-streaming, eventsource, htmlfile) read as text as it arrives: tests
 * wait until the text so far satisfies a predicate. Built on the raw client, so the request goes
 * out exactly as given, on its own connection.
 */
import { StringDecoder } from 'node:string_decoder';
import { openStream, type HttpHead, type RawHttpConnection, type RequestOptions } from './raw-http';
import { DEFAULT_WAIT_MS } from './wait';

export class HttpStream {
  private received = '';
  private finished = false;
  private readonly decoder = new StringDecoder('utf8');
  /** Body bytes still to come when the response has a Content-Length. */
  private remaining: number | undefined;

  private constructor(
    private readonly conn: RawHttpConnection,
    readonly head: HttpHead,
  ) {
    const length = head.header('content-length');
    if (!head.isChunked() && length !== undefined) this.remaining = parseInt(length, 10);
  }

  /** Sends the request; resolves once the response head has arrived. */
  static async open(port: number, method: string, path: string, options: RequestOptions = {}): Promise<HttpStream> {
    const { conn, head } = await openStream(port, method, path, options);
    return new HttpStream(conn, head);
  }

  get status(): number {
    return this.head.status;
  }

  /** The body received so far, decoded. */
  get text(): string {
    this.absorb();
    return this.received;
  }

  /** True once the body is complete (or the connection has gone). */
  get ended(): boolean {
    this.absorb();
    return this.finished;
  }

  /** Waits until the text received so far satisfies `predicate`; rejects if the body ends first. */
  waitFor(predicate: (text: string) => boolean, what: string, ms = DEFAULT_WAIT_MS): Promise<string> {
    const check = (): string | undefined => {
      this.absorb();
      if (predicate(this.received)) return this.received;
      if (this.finished)
        throw new Error(`response ended before ${what}; got ${JSON.stringify(this.received.slice(-200))}`);
      return undefined;
    };
    return this.conn.waitFor(what, check, ms, true);
  }

  /** Aborts the response (drops the connection). */
  close(): void {
    this.conn.destroy();
  }

  /** Decodes whatever body bytes have arrived. */
  private absorb(): void {
    if (this.finished) return;
    if (this.head.isChunked()) {
      for (let chunk = this.conn.takeChunk(); chunk !== undefined; chunk = this.conn.takeChunk()) {
        if (chunk === null) return this.finish();
        this.received += this.decoder.write(chunk);
      }
    } else {
      const bytes = this.conn.takePending();
      this.received += this.decoder.write(bytes);
      if (this.remaining !== undefined) {
        this.remaining -= bytes.length;
        if (this.remaining <= 0) return this.finish();
      }
    }
    if (this.conn.ended) this.finish();
  }

  private finish(): void {
    this.received += this.decoder.end();
    this.finished = true;
  }
}
