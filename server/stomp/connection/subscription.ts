import type { SockJsError } from '../../../protocol';
import type { Settlement, StompCredentials, Subscriber } from '../broker/broker';
import type { AckMode, OutboundMessage } from '../message';

/** Where a subscription's messages come from. */
export type SubscriptionKind = 'broker' | 'user' | 'app';

/** A delivered client-ack message waiting for its ACK or NACK. */
export interface Unacked {
  readonly key: string;
  readonly subscription: Subscription;
  readonly settle: ((outcome: Settlement) => void) | undefined;
}

/** What a subscription needs from its connection. */
export interface SubscriptionOwner {
  readonly sessionId: string;
  /** Frames wait for the transport: queue consumers are passed over meanwhile. */
  readonly blocked: boolean;
  readonly open: boolean;
  readonly maxUnacked: number;
  /** Writes the MESSAGE frame; `unacked` given in client modes, `settle` for auto-mode queue messages. */
  writeMessage(
    subscription: Subscription,
    message: OutboundMessage,
    unacked: Unacked | undefined,
    settle: ((outcome: Settlement) => void) | undefined,
  ): void;
  /** A client-ack topic subscription at its unacked limit got one more. */
  overLimit(subscription: Subscription): void;
  /** The ack key (what the client's ACK will name) for this delivery. */
  ackKey(subscription: Subscription, message: OutboundMessage): string;
  /** The session's CONNECT `login` and `passcode`. */
  readonly credentials: StompCredentials;
  /** Ends the session with an ERROR frame (the broker cannot serve it). */
  endSession(error: SockJsError): void;
}

/** One SUBSCRIBE of one session: what the broker (or the user routes) deliver to. */
export class Subscription implements Subscriber {
  /** Client-ack deliveries not yet settled, oldest first (a `client` ACK settles a prefix of them). */
  readonly unacked = new Map<string, Unacked>();

  constructor(
    private readonly owner: SubscriptionOwner,
    readonly subscriptionId: string,
    /** As the client wrote it (`/user/queue/x` stays so: it is the MESSAGE's destination too). */
    readonly destination: string,
    readonly ack: AckMode,
    readonly kind: SubscriptionKind,
  ) {}

  get sessionId(): string {
    return this.owner.sessionId;
  }

  get credentials(): StompCredentials {
    return this.owner.credentials;
  }

  endSession(error: SockJsError): void {
    this.owner.endSession(error);
  }

  get ready(): boolean {
    return this.owner.open && !this.owner.blocked && (this.ack === 'auto' || this.unacked.size < this.owner.maxUnacked);
  }

  deliver(message: OutboundMessage, settle?: (outcome: Settlement) => void): void {
    if (!this.owner.open) {
      settle?.('nack');
      return;
    }
    if (this.ack === 'auto') {
      this.owner.writeMessage(this, message, undefined, settle);
      return;
    }
    if (this.unacked.size >= this.owner.maxUnacked) {
      // Queues never get here (not ready); a topic has no other consumer to give it to.
      settle?.('nack');
      this.owner.overLimit(this);
      return;
    }
    const unacked: Unacked = { key: this.owner.ackKey(this, message), subscription: this, settle };
    this.unacked.set(unacked.key, unacked);
    this.owner.writeMessage(this, message, unacked, undefined);
  }

  /** Settles `key` (and, in `client` mode, every older one); returns what it settled (none when not ours). */
  settle(key: string, outcome: Settlement): Unacked[] {
    if (!this.unacked.has(key)) return [];
    if (this.ack === 'client-individual') return this.take(key, outcome);
    const settled: Unacked[] = [];
    for (const older of [...this.unacked.keys()]) {
      settled.push(...this.take(older, outcome));
      if (older === key) break;
    }
    return settled;
  }

  /** The subscription or its session ends: what was not acknowledged goes back (queues) or is let go. */
  release(): Unacked[] {
    return [...this.unacked.keys()].flatMap((key) => this.take(key, 'nack'));
  }

  /** Settles `key` alone, whatever the mode: a delivery dropped unsent (`nack`), or by an interceptor (`ack`). */
  settleOnly(key: string, outcome: Settlement): void {
    this.take(key, outcome);
  }

  private take(key: string, outcome: Settlement): Unacked[] {
    const entry = this.unacked.get(key);
    if (!entry) return [];
    this.unacked.delete(key);
    entry.settle?.(outcome);
    return [entry];
  }
}
