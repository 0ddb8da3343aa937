/**
 * Messages sent while there is no open transport (connecting, reconnecting), kept in order and
 * bounded by count and UTF-8 bytes; flushed in order when a transport opens.
 */
import { SockJsError } from '../protocol/error-class';

export class SendQueue {
  #messages: string[] = [];
  #bytes = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.#messages.length;
  }

  /** Queues `message`, or throws ERR_CLIENT_QUEUE_FULL (the message is not queued) when a bound would be crossed. */
  push(message: string): void {
    const size = utf8Length(message);
    if (this.#messages.length + 1 > this.maxMessages || this.#bytes + size > this.maxBytes) {
      throw new SockJsError(
        'ERR_CLIENT_QUEUE_FULL',
        `${this.#messages.length} messages (${this.#bytes} bytes) wait for a connection; ` +
          `limits: maxQueuedMessages ${this.maxMessages}, maxQueuedBytes ${this.maxBytes}`,
      );
    }
    this.#messages.push(message);
    this.#bytes += size;
  }

  /**
   * Puts back, ahead of the rest, messages a lost transport had not sent. They were accepted once,
   * so the bounds do not refuse them now.
   */
  requeue(messages: readonly string[]): void {
    if (messages.length === 0) return;
    this.#messages = [...messages, ...this.#messages];
    for (const message of messages) this.#bytes += utf8Length(message);
  }

  /** Takes every message, oldest first. */
  drain(): string[] {
    const messages = this.#messages;
    this.#messages = [];
    this.#bytes = 0;
    return messages;
  }
}

/** Bytes of `text` in UTF-8 (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
