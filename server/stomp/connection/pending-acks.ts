import type { Unacked } from './subscription';

/**
 * A session's client-ack deliveries by the key an ACK names. Keys are unique in 1.2 (our `ack`
 * header) and 1.1 (subscription + message-id); in 1.0 an ACK names the message-id alone, which two
 * subscriptions of one session may share (a topic and a pattern over it): such deliveries wait in
 * line, and an ACK settles the oldest.
 */
export class PendingAcks {
  private readonly byKey = new Map<string, Unacked | Unacked[]>();

  add(unacked: Unacked): void {
    const present = this.byKey.get(unacked.key);
    if (present === undefined) this.byKey.set(unacked.key, unacked);
    else if (Array.isArray(present)) present.push(unacked);
    else this.byKey.set(unacked.key, [present, unacked]);
  }

  /** The oldest delivery an ACK naming `key` settles. */
  find(key: string): Unacked | undefined {
    const present = this.byKey.get(key);
    return Array.isArray(present) ? present[0] : present;
  }

  remove(unacked: Unacked): void {
    const present = this.byKey.get(unacked.key);
    if (present === unacked) this.byKey.delete(unacked.key);
    else if (Array.isArray(present)) {
      const rest = present.filter((entry) => entry !== unacked);
      if (rest.length === 0) this.byKey.delete(unacked.key);
      else this.byKey.set(unacked.key, rest.length === 1 ? (rest[0] as Unacked) : rest);
    }
  }
}
