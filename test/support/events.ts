/**
 * A list tests can wait on: callbacks push to it, tests wait (with a deadline) for an item that
 * matches or for a number of items. The recording handler, the recording logger and the clients'
 * message queues are all one of these.
 */
import { ChangeBus, DEFAULT_WAIT_MS } from './wait';

export class Events<T> {
  readonly items: T[] = [];
  private readonly changes = new ChangeBus();

  push(item: T): void {
    this.items.push(item);
    this.changes.changed();
  }

  /** How many items there are so far: pass it as `from` to wait only for later ones. */
  mark(): number {
    return this.items.length;
  }

  /** The first item at index `from` or later matching `predicate`, waiting for it if need be. */
  waitFor(predicate: (item: T) => boolean, what: string, ms = DEFAULT_WAIT_MS, from = 0): Promise<T> {
    return this.changes.until(() => this.find(predicate, from), what, ms);
  }

  /** Every item, once there are at least `count`. */
  waitForCount(count: number, what: string, ms = DEFAULT_WAIT_MS): Promise<T[]> {
    return this.changes.until(
      () => (this.items.length >= count ? this.items : undefined),
      what,
      ms,
      () => `${this.items.length} so far`,
    );
  }

  count(predicate: (item: T) => boolean): number {
    return this.items.filter(predicate).length;
  }

  private find(predicate: (item: T) => boolean, from: number): T | undefined {
    for (let i = from; i < this.items.length; i++) {
      const item = this.items[i] as T;
      if (predicate(item)) return item;
    }
    return undefined;
  }
}
