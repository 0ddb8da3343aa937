/**
 * `xhr_send`: the messages of the HTTP transports, POSTed as one JSON array, one request at a time
 * so that they arrive in order; what is sent while one is in flight goes in the next.
 */
import { encodeClientMessages } from '../../protocol/frames';
import { platform } from '../platform';

/** Largest batch, in characters, of one xhr_send body (servers cap bodies: ours at 8 MiB by default). */
const MAX_BATCH_CHARS = 262_144; // 256 Ki

export class HttpSender {
  #pending: string[] = [];
  #inFlight = false;
  #stopped = false;
  readonly #abort = new (platform().AbortController)();

  constructor(
    private readonly url: string,
    private readonly fail: (code: number, reason: string) => void,
  ) {}

  send(message: string): void {
    this.#pending.push(message);
    if (!this.#inFlight) this.#post();
  }

  takeUnsent(): string[] {
    return this.#pending.splice(0);
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
  }

  #post(): void {
    const batch = takeBatch(this.#pending);
    this.#inFlight = true;
    this.#request(encodeClientMessages(batch)).catch((error: unknown) => {
      if (this.#stopped) return; // aborted by stop(): nothing to report
      this.#stopped = true;
      this.fail(1006, `Connection lost (xhr_send: ${error instanceof Error ? error.message : String(error)})`);
    });
  }

  async #request(body: string): Promise<void> {
    const headers = { 'content-type': 'text/plain;charset=UTF-8' };
    const response = await platform().fetch(this.url, { method: 'POST', body, headers, signal: this.#abort.signal });
    await response.text(); // read to the end, so that the connection can be reused
    // 204 from SockJS servers; 200 from some proxies. 404: the session is gone.
    if (response.status !== 204 && response.status !== 200) throw new Error(`answered ${response.status}`);
    this.#sent();
  }

  #sent(): void {
    this.#inFlight = false;
    if (!this.#stopped && this.#pending.length > 0) this.#post();
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
