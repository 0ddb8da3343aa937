/**
 * What a resumable session remembers so that a lost connection loses nothing (docs/resume.md):
 * the frames it wrote that the client has not confirmed, and how many of the client's messages it
 * has delivered, so that a batch the client sends again is not delivered twice.
 */
export class ResumeLog {
  /** Messages the client has confirmed: the number of the first one kept. */
  private confirmed = 0;
  /** The messages of each frame written and not confirmed, oldest first (already quoted). */
  private frames: string[][] = [];
  /** UTF-8 bytes of each of those frames' messages. */
  private frameBytes: number[] = [];
  private keptCount = 0;
  private keptBytes = 0;
  /** The client's messages delivered to the handler so far. */
  delivered = 0;
  /** The client's batches arrive over a websocket, which has no response to confirm them: an `r` frame is owed. */
  ackOwed = false;

  constructor(private readonly maxBytes: number) {}

  /** At the bound: nothing more is written until the client confirms (one frame always may go). */
  get full(): boolean {
    return this.keptCount > 0 && this.keptBytes >= this.maxBytes;
  }

  /** Messages written so far (confirmed or not). */
  get written(): number {
    return this.confirmed + this.keptCount;
  }

  /** A frame of these messages was written (`bytes`: their UTF-8 length). */
  wrote(quoted: string[], bytes: number): void {
    this.frames.push(quoted);
    this.frameBytes.push(bytes);
    this.keptCount += quoted.length;
    this.keptBytes += bytes;
  }

  /**
   * The client has received `count` messages in all: those are forgotten. False when `count` is
   * not between what it had confirmed and what was written (a client that lost track).
   */
  confirm(count: number): boolean {
    if (count < this.confirmed || count > this.written) return false;
    let drop = count - this.confirmed;
    this.confirmed = count;
    while (drop > 0) {
      const frame = this.frames[0] as string[];
      if (frame.length <= drop) {
        drop -= frame.length;
        this.frames.shift();
        this.forget(frame.length, this.frameBytes.shift() as number);
        continue;
      }
      // Mid-frame: the client stopped reading inside one (its listener closed the socket).
      const gone = frame.splice(0, drop);
      const bytes = Buffer.byteLength(gone.join(''));
      this.frameBytes[0] = Math.max(0, (this.frameBytes[0] as number) - bytes);
      this.forget(gone.length, bytes);
      drop = 0;
    }
    return true;
  }

  /**
   * A numbered batch's confirmation. Below what is confirmed already it is stale, not lost track:
   * the batch's xhr_send was overtaken by a later receiving request (or sent again by the browser
   * after a cut), whose `resume=` confirmed more. False only above what was written.
   */
  acknowledge(count: number): boolean {
    return count < this.confirmed ? true : this.confirm(count);
  }

  /** Everything written and not confirmed, taken back to be written again (the client came back). */
  takeUnconfirmed(): { quoted: string[]; bytes: number } {
    const quoted = this.frames.length === 1 ? (this.frames[0] as string[]) : this.frames.flat();
    const bytes = this.keptBytes;
    this.frames = [];
    this.frameBytes = [];
    this.keptCount = this.keptBytes = 0;
    return { quoted, bytes };
  }

  /**
   * A client batch of `count` messages numbered from `seq`: how many at its head were delivered
   * before (sent again after a loss); undefined when it skips ahead of what was delivered.
   */
  alreadyDelivered(seq: number, count: number): number | undefined {
    if (seq > this.delivered) return undefined;
    const seen = Math.min(count, this.delivered - seq);
    this.delivered += count - seen;
    return seen;
  }

  private forget(count: number, bytes: number): void {
    this.keptCount -= count;
    this.keptBytes = Math.max(0, this.keptBytes - bytes);
  }
}
