/** Something the sweep visits. */
export interface Sweepable {
  sweep(now: number): void;
}

/**
 * One timer per endpoint instead of several per session: every `period` ms it visits each session,
 * which sends its heartbeat, checks its pong deadline, its disconnect delay and its idle timeout.
 * Deadlines are met within one period late, at most; the period is a quarter of the shortest
 * delay, so a 25 s heartbeat goes out between 25 and about 26 s.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly period: number,
    private readonly sessions: () => Iterable<Sweepable>,
  ) {}

  /** A quarter of the shortest delay, but not under 5 ms. */
  static periodFor(delays: readonly number[]): number {
    const shortest = Math.min(...delays.filter((delay) => delay > 0));
    return Math.max(5, Math.floor(shortest / 4));
  }

  start(): void {
    this.timer ??= setInterval(() => this.sweep(), this.period);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of this.sessions()) session.sweep(now);
  }
}
