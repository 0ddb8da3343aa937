/**
 * The burst loop the fan-out loads share: a sender sends a burst of numbered messages; the next burst
 * goes when every receiver has every message, or after a timeout that counts the missing deliveries as
 * an error. Ops are deliveries; latency is from the send to each delivery. The load says how to send
 * and what the sample's `extra` holds.
 */
import { Histogram } from './histogram';
import type { LoadSample } from './open';

const BURST_TIMEOUT_MS = 15_000;

/** Who sends the next burst, and how many receivers each of its messages must reach. */
export interface BurstSender {
  receivers: number;
  send(body: string): void;
}

export interface BurstOptions {
  burst: number;
  /** Bytes per message (the number of the burst and the message pad it to this). */
  size: number;
  /** The sender of the next burst, or the reason there is none (then the loop stops). */
  sender(): BurstSender | string;
}

export class BurstLoop {
  private readonly histogram = new Histogram();
  private deliveries = 0;
  private frames = 0;
  private errors = 0;
  private lastError = '';
  private bursts = 0;
  private running = true;
  private markedAt = performance.now();
  /** The current burst's bodies, to their index in the burst. */
  private indexOf = new Map<string, number>();
  private sentAt = 0;
  /** Per receiver (when told), the index of the next message of the burst it must get. */
  private due = new Map<number, number>();
  private remaining = 0;
  private burstId = 0;
  private burstTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BurstOptions) {}

  /**
   * Messages that arrived together; the next burst goes once the last one expected is in. With
   * `receiver` (the receiving session's index), each receiver must get the burst's messages once each
   * and in order: a repeat is an error and not counted, a skip is an error (the one skipped then never
   * completes the burst, and its timeout counts it missing).
   */
  received(bodies: readonly string[], receiver?: number): void {
    const now = performance.now();
    let counted = 0;
    for (const body of bodies) {
      const index = this.indexOf.get(body);
      if (index === undefined) {
        this.error('delivery of an old burst');
        continue;
      }
      if (receiver !== undefined && !this.inOrder(receiver, index)) continue;
      this.histogram.record(now - this.sentAt);
      this.deliveries++;
      this.remaining--;
      counted++;
    }
    // Only a delivery of this burst can complete it (a stray old message must not start a second one).
    if (counted > 0 && this.remaining === 0 && this.running) {
      this.bursts++;
      clearTimeout(this.burstTimer);
      setImmediate(() => this.next());
    }
  }

  /** Whether message `index` of the burst may count for `receiver` (false: a repeat). */
  private inOrder(receiver: number, index: number): boolean {
    const due = this.due.get(receiver) ?? 0;
    if (index < due) {
      this.error(`receiver ${receiver}: message ${index} of burst ${this.burstId} again`);
      return false;
    }
    if (index > due) this.error(`receiver ${receiver}: message ${index} of burst ${this.burstId} before ${due}`);
    this.due.set(receiver, index + 1);
    return true;
  }

  /** One transport frame (or chunk) received, for `extra.frames`. */
  frame(): void {
    this.frames++;
  }

  /** A session or client lost while running. */
  lost(why: string): void {
    if (this.running) this.error(why);
  }

  /** Sends the next burst and arms its timeout. */
  next(): void {
    if (!this.running) return;
    const sender = this.options.sender();
    if (typeof sender === 'string') {
      this.error(sender);
      return;
    }
    this.burstId++;
    this.indexOf = new Map();
    this.due = new Map();
    this.remaining = sender.receivers * this.options.burst;
    this.sentAt = performance.now();
    for (let i = 0; i < this.options.burst; i++) {
      const head = `${this.burstId}:${i}:`;
      const body = head + 'x'.repeat(Math.max(0, this.options.size - head.length));
      this.indexOf.set(body, i);
      sender.send(body);
    }
    this.burstTimer = setTimeout(() => {
      this.error(`burst ${this.burstId}: ${this.remaining} deliveries missing after ${BURST_TIMEOUT_MS} ms`);
      this.next();
    }, BURST_TIMEOUT_MS);
  }

  mark(): void {
    this.deliveries = 0;
    this.frames = 0;
    this.errors = 0;
    this.bursts = 0;
    this.histogram.reset();
    this.markedAt = performance.now();
  }

  /** The window since `mark()`; `extra` carries `bursts` and `frames`, then the load's own figures. */
  collect(extra: Record<string, number>): LoadSample {
    return {
      ops: this.deliveries,
      wallMs: performance.now() - this.markedAt,
      latency: this.histogram.summary(),
      errors: this.errors,
      lastError: this.lastError,
      extra: { bursts: this.bursts, frames: this.frames, ...extra },
    };
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.burstTimer);
  }

  private error(why: string): void {
    this.errors++;
    this.lastError = why;
  }
}
