/** A raw xhr-polling session: the test decides when it polls and what it sends. */
import assert from 'node:assert/strict';
import { POST, type HttpResponse } from './raw-http';
import { messagesOf, newSessionId } from './sockjs';
import { DEFAULT_WAIT_MS } from './wait';

export class XhrPollingSession {
  constructor(
    readonly port: number,
    /** The endpoint's prefix, e.g. `/echo`. */
    readonly prefix: string,
    /** Sent with every request. */
    readonly headers: Record<string, string> = {},
    readonly id = newSessionId(),
  ) {}

  get base(): string {
    return `${this.prefix}/000/${this.id}`;
  }

  /** One poll: the whole response (status, one frame + `\n`). */
  poll(ms = DEFAULT_WAIT_MS): Promise<HttpResponse> {
    return POST(this.port, `${this.base}/xhr`, { headers: this.headers, timeoutMs: ms });
  }

  /** One poll answered 200; returns its frame. */
  async pollFrame(ms = DEFAULT_WAIT_MS): Promise<string> {
    const response = await this.poll(ms);
    assert.equal(response.status, 200, `xhr poll answered ${response.status}: ${response.body}`);
    return response.body.replace(/\n$/, '');
  }

  /** Opens the session: the first poll must answer `o`. */
  async open(): Promise<void> {
    assert.equal(await this.pollFrame(), 'o');
  }

  /** xhr_send with a JSON array of the messages. */
  send(messages: readonly string[], headers: Record<string, string> = {}): Promise<HttpResponse> {
    return POST(this.port, `${this.base}/xhr_send`, {
      headers: { 'Content-Type': 'text/plain', ...this.headers, ...headers },
      body: JSON.stringify(messages),
    });
  }

  /** Polls until a `c[...]` frame; returns every message received before it, and the close frame. */
  async pollUntilClose(maxPolls = 20): Promise<{ messages: string[]; close: string }> {
    const messages: string[] = [];
    for (let i = 0; i < maxPolls; i++) {
      const frame = await this.pollFrame();
      if (frame.startsWith('c[')) return { messages, close: frame };
      if (frame.startsWith('a[')) messages.push(...messagesOf(frame));
    }
    throw new Error(`no close frame in ${maxPolls} polls; got ${JSON.stringify(messages)}`);
  }

  /** Polls until `count` messages have arrived. */
  async pollMessages(count: number, maxPolls = 20): Promise<string[]> {
    const messages: string[] = [];
    for (let i = 0; i < maxPolls && messages.length < count; i++) {
      const frame = await this.pollFrame();
      if (frame.startsWith('c[')) throw new Error(`closed with ${frame} after ${JSON.stringify(messages)}`);
      if (frame.startsWith('a[')) messages.push(...messagesOf(frame));
    }
    return messages;
  }
}
