import { ReadyState } from '../../../protocol';
import type { SockJsSession } from '../../handler';
import { Session } from '../../session/session';
import type { OutboundMessage } from '../message';
import { utf8ByteLength, type StompVersion } from '../../../protocol';

/** One frame waiting for a blocked transport. */
interface Waiting {
  readonly text: string;
  readonly bytes: number;
  /** A MESSAGE frame: the only kind `drop-oldest` may drop. */
  readonly droppable: boolean;
  /** Told once the frame has been handed to the session (queue messages in auto mode settle then). */
  readonly sent: (() => void) | undefined;
  /** Told when the frame is dropped unsent. */
  readonly dropped: (() => void) | undefined;
}

export interface OutboundLimits {
  readonly maxBufferedMessages: number;
  readonly maxBufferedBytes: number;
  readonly slowSubscriberPolicy: 'close' | 'drop-oldest';
}

export interface WriteHooks {
  readonly droppable?: boolean | undefined;
  readonly sent?: (() => void) | undefined;
  readonly dropped?: (() => void) | undefined;
  /** The frame's size for the buffer bound when known cheaply; else its length is counted. */
  readonly bytes?: number | undefined;
}

/**
 * Frames on their way to one session, in order. While the session takes them (`send()` true) they go
 * straight through; once it says false — at its `sendHighWaterMark`, the transport not keeping up —
 * they wait here, bounded, until `onDrain`. A full buffer is the slow-subscriber case: `overflowed`
 * is called for `close`, the oldest MESSAGE frames go for `drop-oldest`. Nothing is reordered.
 */
export class OutboundBuffer {
  private readonly waiting: Waiting[] = [];
  private waitingBytes = 0;
  private blockedNow = false;
  private emptied: (() => void)[] = [];
  /** When a frame last went to the session (heart-beats are owed only on a quiet line). */
  lastWriteAt = Date.now();
  /** The session itself when it is one of ours over SockJS (not decorated): MESSAGE frames go pre-quoted. */
  private readonly sockjs: Session | undefined;
  /**
   * Plain websocket sessions: the frames of one tick go as one websocket message (STOMP lets a
   * message carry several frames, and every client reads them so): a fan-out then costs one socket
   * write per subscriber and tick, not one per frame. SockJS sessions batch their own `a[…]` frames.
   */
  private readonly coalesce: boolean;
  private coalesced = '';
  private coalesceQueued = false;

  constructor(
    private readonly session: SockJsSession,
    private readonly limits: OutboundLimits,
    private readonly onOverflow: () => void,
    private readonly onDrop: () => void,
  ) {
    this.sockjs = session instanceof Session ? session : undefined;
    this.coalesce = session.transport === 'websocket-raw';
  }

  /** Whether frames are waiting for the transport (queue consumers are passed over meanwhile). */
  get blocked(): boolean {
    return this.blockedNow;
  }

  write(text: string, hooks: WriteHooks = {}): void {
    if (!this.blockedNow) {
      this.settle(this.hand(text), hooks);
      return;
    }
    this.waiting.push({
      text,
      bytes: hooks.bytes ?? utf8ByteLength(text),
      droppable: hooks.droppable ?? false,
      sent: hooks.sent,
      dropped: hooks.dropped,
    });
    this.waitingBytes += this.waiting[this.waiting.length - 1]?.bytes ?? 0;
    if (this.waiting.length > this.limits.maxBufferedMessages || this.waitingBytes > this.limits.maxBufferedBytes) {
      this.overflow();
    }
  }

  /**
   * A MESSAGE frame. On a SockJS session the frame goes pre-quoted: the shared part of a topic
   * message is JSON-quoted once for every subscriber, not once each.
   */
  writeMessage(
    message: OutboundMessage,
    version: StompVersion,
    subscription: string,
    ack: string | undefined,
    hooks: WriteHooks,
  ): void {
    const sockjs = this.sockjs;
    if (this.blockedNow || !sockjs) {
      // Its size is worked out only if it is to wait here.
      const text = message.frame(version, subscription, ack);
      this.write(text, this.blockedNow ? { ...hooks, bytes: message.bytes } : hooks);
      return;
    }
    const { quoted, bytes } = message.quotedFrame(version, subscription, ack);
    this.lastWriteAt = Date.now();
    const accepted = sockjs.sendQuoted(quoted, bytes);
    const open = sockjs.readyState === ReadyState.OPEN;
    if (!accepted && open) this.blockedNow = true;
    this.settle(open, hooks);
  }

  /** A frame the session took (`sent`), or one it refused because it is no longer open (`dropped`). */
  private settle(taken: boolean, hooks: WriteHooks): void {
    if (taken) hooks.sent?.();
    else hooks.dropped?.();
  }

  /** The session's queue emptied: hand on what waits until it says false again. */
  drained(): void {
    this.blockedNow = false;
    while (this.waiting.length > 0 && !this.blockedNow) {
      const next = this.waiting.shift() as Waiting;
      this.waitingBytes -= next.bytes;
      this.settle(this.hand(next.text), next);
    }
    if (this.waiting.length === 0) this.runEmptied();
  }

  /** Calls `then` once nothing waits here any more (at once when nothing does). */
  whenEmpty(then: () => void): void {
    if (this.waiting.length > 0) {
      this.emptied.push(then);
      return;
    }
    this.sendCoalesced();
    then();
  }

  /** Hands everything waiting to the session regardless of its high-water mark (before an ERROR frame). */
  flushAll(): void {
    for (const next of this.waiting.splice(0)) this.settle(this.hand(next.text), next);
    this.waitingBytes = 0;
    this.sendCoalesced();
    this.runEmptied();
  }

  /** Drops everything waiting (the session is gone, or closed as too slow). */
  discard(): void {
    // What this tick already took was told `sent`: it goes, the rest is dropped.
    this.sendCoalesced();
    for (const next of this.waiting.splice(0)) next.dropped?.();
    this.waitingBytes = 0;
    this.emptied = [];
  }

  /** Hands `text` to the session; false when the session is not open (nothing was queued). */
  private hand(text: string): boolean {
    this.lastWriteAt = Date.now();
    if (this.coalesce) return this.coalesceFrame(text);
    const accepted = this.session.send(text);
    if (accepted) return true;
    // False from an open session: queued all the same, at its high-water mark; onDrain follows.
    const open = this.session.readyState === ReadyState.OPEN;
    if (open) this.blockedNow = true;
    return open;
  }

  private coalesceFrame(text: string): boolean {
    if (this.session.readyState !== ReadyState.OPEN) return false;
    this.coalesced += text;
    if (!this.coalesceQueued) {
      this.coalesceQueued = true;
      queueMicrotask(() => this.sendCoalesced());
    }
    return true;
  }

  /** The tick's frames as one message; false from an open session blocks what follows, as any send. */
  private sendCoalesced(): void {
    this.coalesceQueued = false;
    const text = this.coalesced;
    if (text === '') return;
    this.coalesced = '';
    if (!this.session.send(text) && this.session.readyState === ReadyState.OPEN) this.blockedNow = true;
  }

  private overflow(): void {
    if (this.limits.slowSubscriberPolicy === 'close') {
      this.onOverflow();
      return;
    }
    const { maxBufferedMessages, maxBufferedBytes } = this.limits;
    for (let i = 0; i < this.waiting.length;) {
      if (this.waiting.length <= maxBufferedMessages && this.waitingBytes <= maxBufferedBytes) return;
      const entry = this.waiting[i] as Waiting;
      if (!entry.droppable) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.waitingBytes -= entry.bytes;
      entry.dropped?.();
      this.onDrop();
    }
    // Only frames that must not be dropped are left, and still too many: the session cannot keep up.
    if (this.waiting.length > maxBufferedMessages || this.waitingBytes > maxBufferedBytes) this.onOverflow();
  }

  private runEmptied(): void {
    const callbacks = this.emptied;
    this.emptied = [];
    for (const callback of callbacks) callback();
  }
}
