/**
 * The receiving half of xhr-streaming and xhr-polling: one POST after another, each response body
 * read as it streams in (fetch's ReadableStream), newline-delimited frames handed on as they complete.
 * A streaming response ends at the server's response limit and a poll after each frame: both are
 * followed by the next request, until the transport is stopped.
 */
import { describeError, platform, type FetchResponse } from '../platform';
import { deliverFrame, endLost, type TransportHooks } from './types';

/** A line of 'h's longer than a frame: the xhr-streaming prelude (2 KiB of them), not a frame. */
const PRELUDE = /^hh+$/;

export class HttpReceiver {
  #stopped = false;
  #abort: { abort(): void } | undefined;
  #buffered = '';

  /** Asked before each request: the resume extension's query changes as frames arrive. */
  readonly #url: () => string;
  readonly #hooks: TransportHooks;
  readonly #maxFrameLength: number;

  constructor(url: () => string, hooks: TransportHooks, maxFrameLength: number) {
    this.#url = url;
    this.#hooks = hooks;
    this.#maxFrameLength = maxFrameLength;
  }

  start(): void {
    this.#loop().catch((error: unknown) => {
      if (this.#stopped) return; // aborted by stop()
      endLost(this.#end, describeError(error));
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
  }

  readonly #end = (code: number, reason: string): void => {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#hooks.end(code, reason);
  };

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const controller = new (platform().AbortController)();
      this.#abort = controller;
      const response = await platform().fetch(this.#url(), { method: 'POST', signal: controller.signal });
      if (response.status !== 200) {
        await response.text();
        return endLost(this.#end, `answered ${response.status}`);
      }
      await this.#read(response);
    }
  }

  async #read(response: FetchResponse): Promise<void> {
    const reader = response.body?.getReader();
    if (!reader) return this.#feed(`${await response.text()}\n`);
    const decoder = new (platform().TextDecoder)();
    this.#buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (this.#stopped) return void reader.cancel().catch(() => undefined); // we cancel it: its outcome does not matter
      // A body ends with a newline; one cut short leaves a partial frame, which is not delivered.
      if (done) return this.#feed(decoder.decode());
      this.#feed(decoder.decode(value, { stream: true }));
    }
  }

  /** Hands on each line `text` completes; keeps the incomplete rest (a frame cut across chunks). */
  #feed(text: string): void {
    if (!text.includes('\n')) this.#buffered += text;
    else {
      const lines = (this.#buffered + text).split('\n');
      this.#buffered = lines.pop() as string;
      for (const line of lines) this.#line(line);
    }
    if (this.#buffered.length > this.#maxFrameLength) this.#end(1009, `Frame over ${this.#maxFrameLength} characters`);
  }

  #line(line: string): void {
    if (this.#stopped || line === '' || PRELUDE.test(line)) return;
    deliverFrame(line, this.#hooks.frame, this.#end);
  }
}
