/**
 * Messages sent while there is no open transport (connecting, reconnecting), kept in order and
 * bounded by count and UTF-8 bytes; flushed in order when a transport opens.
 */
import { SockJsError } from '../protocol/error-class';
import { platform } from './platform';

export class SendQueue {
  #messages: string[] = [];
  #bytes = 0;

  readonly #maxMessages: number;
  readonly #maxBytes: number;

  constructor(maxMessages: number, maxBytes: number) {
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
  }

  get length(): number {
    return this.#messages.length;
  }

  /** Queues `message`, or throws ERR_CLIENT_QUEUE_FULL (the message is not queued) when a bound would be crossed. */
  push(message: string): void {
    const size = utf8Length(message);
    if (this.#messages.length + 1 > this.#maxMessages || this.#bytes + size > this.#maxBytes) {
      throw new SockJsError(
        'ERR_CLIENT_QUEUE_FULL',
        `${this.#messages.length} messages (${this.#bytes} bytes) wait for a connection; ` +
          `limits: maxQueuedMessages ${this.#maxMessages}, maxQueuedBytes ${this.#maxBytes}`,
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

/** Bytes of `text` in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD, as it will be sent). */
export function utf8Length(text: string): number {
  return new (platform().TextEncoder)().encode(text).length;
}
