/**
 * Waiting without sleeping, and cleaning up whatever happens. Every part of a proxy scenario
 * (the sockjs-client sessions, the server's recorder, the TCP cutter) calls `bus.changed()` when
 * something happens; a wait re-checks its condition on each change and fails at its deadline with
 * a message that says what it was waiting for.
 */

export class DeadlineError extends Error {
  constructor(what: string, ms: number, state?: string) {
    super(`timed out after ${ms} ms waiting for ${what}${state ? ` (${state})` : ''}`);
    this.name = 'DeadlineError';
  }
}

/** One change signal shared by everything a scenario watches. */
export class ChangeBus {
  private readonly waiters = new Set<() => void>();

  /** Something changed: every pending wait re-checks its condition. */
  changed(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Resolves with the first value `check` returns other than `undefined`, checked now and after
   * every change (what it waits for first, its deadline last, as `withTimeout`); rejects after `ms` (with `describe()` in the message, if given) or when `check`
   * throws.
   */
  until<T>(check: () => T | undefined, what: string, ms: number, describe?: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const wake = (): void => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (value === undefined) return;
        finish();
        resolve(value);
      };
      const finish = (): void => {
        this.waiters.delete(wake);
        clearTimeout(timer);
      };
      this.waiters.add(wake);
      const timer = setTimeout(() => {
        finish();
        reject(new DeadlineError(what, ms, describe?.()));
      }, ms);
      wake();
    });
  }

  /** `until` for a boolean condition. */
  async when(condition: () => boolean, what: string, ms: number, describe?: () => string): Promise<void> {
    await this.until(() => (condition() ? true : undefined), what, ms, describe);
  }
}

/**
 * Resources to release, last acquired first released. `dispose()` releases everything even when
 * some releases fail (the first failure is rethrown at the end), and may be called again.
 */
export class Stack {
  private readonly entries: Array<{ what: string; release: () => Promise<void> | void }> = [];

  /** Registers `release` and returns `value`. */
  use<T>(value: T, what: string, release: (value: T) => Promise<void> | void): T {
    this.entries.push({ what, release: () => release(value) });
    return value;
  }

  async dispose(): Promise<void> {
    let failure: unknown;
    for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) {
      try {
        await entry.release();
      } catch (error) {
        failure ??= new Error(`releasing ${entry.what} failed`, { cause: error });
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** A promise settled from outside. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
