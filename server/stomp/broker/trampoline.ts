import { Fifo } from './fifo';

/**
 * Runs the broker's work one piece at a time, in order. A subscriber's `deliver` may call the broker
 * again (publish, unsubscribe, resume, settle): that work is queued behind the delivery in progress
 * rather than run inside it, so no subscriber gets a later message before an earlier one has been
 * handed to everyone, and a chain of nacks and redeliveries is a loop, not a growing stack.
 */
export class Trampoline {
  private readonly tasks = new Fifo<() => void>();
  private running = false;
  private rounds = 0;
  private failure: { error: unknown } | undefined;

  /** Whether a task is running now: work asked for now runs after it, before the outermost call returns. */
  get busy(): boolean {
    return this.running;
  }

  /** Counts outermost runs: what one broker call from outside set off shares a round number. */
  get round(): number {
    return this.rounds;
  }

  /** Runs `task` now, or after the running one. Rethrows the first error a task or `guard` caught. */
  run(task: () => void): void {
    this.tasks.push(task);
    if (this.running) return;
    this.running = true;
    this.rounds++;
    try {
      for (let next = this.tasks.shift(); next !== undefined; next = this.tasks.shift()) this.guard(next);
    } finally {
      this.running = false;
    }
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure.error;
  }

  /**
   * Calls `call`, keeping what it throws for the outermost `run` to rethrow once the queued work is
   * done: one failing subscriber must not leave the others without their messages. False if it threw.
   */
  guard(call: () => void): boolean {
    try {
      call();
      return true;
    } catch (error) {
      this.failed(error);
      return false;
    }
  }

  /** What `guard` does with an error, for loops that catch it themselves (no closure per call). */
  failed(error: unknown): void {
    this.failure ??= { error };
  }
}
