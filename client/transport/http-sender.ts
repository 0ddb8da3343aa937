/**
 * `xhr_send`: the messages of the HTTP transports, POSTed as one JSON array, one request at a time
 * so that they arrive in order; what is sent while one is in flight goes in the next.
 */
import { platform } from '../platform';
import type { TransportContext } from './types';

/** Largest batch, in characters, of one xhr_send body (servers cap bodies: ours at 8 MiB by default). */
const MAX_BATCH_CHARS = 262_144; // 256 Ki

export class HttpSender {
  #pending: string[] = [];
  #inFlight = false;
  #stopped = false;
  /** An acknowledgement alone is owed (resume): posted as an empty batch once none is in flight. */
  #ackOwed = false;
  readonly #abort = new (platform().AbortController)();

  constructor(
    private readonly url: string,
    private readonly context: Pick<TransportContext, 'encode' | 'delivered' | 'closeBody'>,
    private readonly fail: (code: number, reason: string) => void,
  ) {}

  send(message: string): void {
    this.#pending.push(message);
    if (!this.#inFlight) this.#post();
  }

  ack(): void {
    this.#ackOwed = true;
    if (!this.#inFlight) this.#post();
  }

  takeUnsent(): string[] {
    return this.#pending.splice(0);
  }

  /** Stops; with a code (the socket's `close()`), a resumable session's server is told, once, best effort. */
  stop(code?: number, reason = ''): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    const body = code === undefined ? undefined : this.context.closeBody(code, reason);
    // Unanswered, the server ends the session when its resume window runs out: nothing to report.
    if (body !== undefined) this.#request(body, 0, false).catch(() => undefined);
  }

  #post(): void {
    const batch = takeBatch(this.#pending);
    this.#inFlight = true;
    this.#ackOwed = false;
    this.#request(this.context.encode(batch), batch.length).catch((error: unknown) => {
      if (this.#stopped) return; // aborted by stop(): nothing to report
      this.#stopped = true;
      this.fail(1006, `Connection lost (xhr_send: ${error instanceof Error ? error.message : String(error)})`);
    });
  }

  async #request(body: string, count: number, abortable = true): Promise<void> {
    const headers = { 'content-type': 'text/plain;charset=UTF-8' };
    const signal = abortable ? this.#abort.signal : undefined;
    const response = await platform().fetch(this.url, { method: 'POST', body, headers, ...(signal && { signal }) });
    await response.text(); // read to the end, so that the connection can be reused
    // 204 from SockJS servers; 200 from some proxies. 404: the session is gone.
    if (response.status !== 204 && response.status !== 200) throw new Error(`answered ${response.status}`);
    this.#inFlight = false;
    if (this.#stopped || !abortable) return;
    this.context.delivered(count);
    if (this.#pending.length > 0 || this.#ackOwed) this.#post();
  }
}

function takeBatch(pending: string[]): string[] {
  let chars = 0;
  let count = 0;
  while (count < pending.length && (count === 0 || chars + (pending[count] as string).length <= MAX_BATCH_CHARS)) {
    chars += (pending[count] as string).length;
    count++;
  }
  return pending.splice(0, count);
}
