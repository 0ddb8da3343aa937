import { SockJsError, type StompFrame } from '../../../protocol';

export interface TransactionLimits {
  readonly maxTransactionsPerSession: number;
  readonly maxFramesPerTransaction: number;
  readonly maxTransactionBytes: number;
}

/**
 * One session's open transactions: the SEND, ACK and NACK frames each holds until its COMMIT.
 * Bounded three ways — transactions, frames in one, and body bytes across all of them — since
 * everything held here is memory a client chose to fill.
 */
export class Transactions {
  private readonly open = new Map<string, StompFrame[]>();
  private heldBytes = 0;

  constructor(private readonly limits: TransactionLimits) {}

  begin(name: string): void {
    if (this.open.has(name)) throw new SockJsError('ERR_STOMP_TRANSACTION', `"${name}" has begun already`);
    const { maxTransactionsPerSession } = this.limits;
    if (this.open.size >= maxTransactionsPerSession) {
      throw new SockJsError(
        'ERR_STOMP_LIMIT',
        `more than ${maxTransactionsPerSession} open transactions (maxTransactionsPerSession)`,
      );
    }
    this.open.set(name, []);
  }

  /** Holds a frame already checked (headers, destination) until COMMIT. */
  enlist(name: string, frame: StompFrame): void {
    const frames = this.framesOf(name);
    const { maxFramesPerTransaction, maxTransactionBytes } = this.limits;
    if (frames.length >= maxFramesPerTransaction) {
      throw new SockJsError(
        'ERR_STOMP_LIMIT',
        `more than ${maxFramesPerTransaction} frames in "${name}" (maxFramesPerTransaction)`,
      );
    }
    if (this.heldBytes + frame.body.length > maxTransactionBytes) {
      throw new SockJsError(
        'ERR_STOMP_LIMIT',
        `transactions would hold over ${maxTransactionBytes} bytes of bodies (maxTransactionBytes)`,
      );
    }
    this.heldBytes += frame.body.length;
    frames.push(frame);
  }

  /** Ends the transaction (COMMIT or ABORT) and returns its frames, in order. */
  take(name: string): StompFrame[] {
    const frames = this.framesOf(name);
    this.open.delete(name);
    for (const frame of frames) this.heldBytes -= frame.body.length;
    return frames;
  }

  /** DISCONNECT or the session's end: nothing held takes effect. */
  abortAll(): void {
    this.open.clear();
    this.heldBytes = 0;
  }

  private framesOf(name: string): StompFrame[] {
    const frames = this.open.get(name);
    if (!frames) throw new SockJsError('ERR_STOMP_TRANSACTION', `no transaction "${name}"`);
    return frames;
  }
}
