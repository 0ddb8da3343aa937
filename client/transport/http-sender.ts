/**
 * `xhr_send`: the messages of the HTTP transports, POSTed as one JSON array, one request at a time
 * so that they arrive in order; what is sent while one is in flight goes in the next.
 */
import { describeError, platform } from '../platform';
import { endLost, type EndTransport, type Transport, type TransportContext } from './types';

/** Largest batch, in characters, of one xhr_send body (servers cap bodies: ours at 8 MiB by default). */
const MAX_BATCH_CHARS = 262_144; // 256 Ki

/** What the sender asks of the connection. */
type SenderContext = Pick<TransportContext, 'encode' | 'delivered' | 'closeBody'>;

export class HttpSender {
  #pending: string[] = [];
  #inFlight = false;
  #stopped = false;
  /** An acknowledgement alone is owed (resume): posted as an empty batch once none is in flight. */
  #ackOwed = false;
  readonly #abort = new (platform().AbortController)();

  readonly #url: string;
  readonly #context: SenderContext;
  readonly #fail: EndTransport;

  constructor(url: string, context: SenderContext, fail: EndTransport) {
    this.#url = url;
    this.#context = context;
    this.#fail = fail;
  }

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
    const body = code === undefined ? undefined : this.#context.closeBody(code, reason);
    // Unanswered, the server ends the session when its resume window runs out: nothing to report.
    if (body !== undefined) this.#request(body, 0, false).catch(() => undefined);
  }

  #post(): void {
    const batch = takeBatch(this.#pending);
    this.#inFlight = true;
    this.#ackOwed = false;
    this.#request(this.#context.encode(batch), batch.length).catch((error: unknown) => {
      if (this.#stopped) return; // aborted by stop(): nothing to report
      this.#stopped = true;
      endLost(this.#fail, `xhr_send: ${describeError(error)}`);
    });
  }

  async #request(body: string, count: number, abortable = true): Promise<void> {
    const headers = { 'content-type': 'text/plain;charset=UTF-8' };
    const signal = abortable ? this.#abort.signal : undefined;
    const response = await platform().fetch(this.#url, { method: 'POST', body, headers, ...(signal && { signal }) });
    await response.text(); // read to the end, so that the connection can be reused
    // 204 from SockJS servers; 200 from some proxies. 404: the session is gone.
    if (response.status !== 204 && response.status !== 200) throw new Error(`answered ${response.status}`);
    this.#inFlight = false;
    if (this.#stopped || !abortable) return;
    this.#context.delivered(count);
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

/**
 * An HTTP transport (xhr-streaming, xhr-polling, eventsource): its receiving half, which
 * `startReceiving` starts and whose stop it returns, and xhr_send for the messages. Either half
 * failing ends both, reported once.
 */
export function openHttpTransport(
  context: TransportContext,
  startReceiving: (end: EndTransport) => () => void,
): Transport {
  let ended = false;
  // Until the receiving half has started, there is none to stop.
  let stopReceiving = (): void => undefined;
  const stop = (code?: number, reason?: string): void => {
    ended = true;
    stopReceiving();
    sender.stop(code, reason);
  };
  const end: EndTransport = (code, reason) => {
    if (ended) return;
    stop();
    context.hooks.end(code, reason);
  };
  const sender = new HttpSender(`${context.sessionUrl}/xhr_send${context.query}`, context, end);
  stopReceiving = startReceiving(end);
  return {
    send: (message) => sender.send(message),
    ack: () => sender.ack(),
    close: stop,
    takeUnsent: () => sender.takeUnsent(),
  };
}
