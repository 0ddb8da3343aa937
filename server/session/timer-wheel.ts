/** Something with deadlines that the wheel visits when the earliest of them is due. */
export interface Timed {
  /**
   * Does whatever is due at `now` (a heartbeat, a deadline) and says when it next has something
   * due (ms since the epoch), or undefined when nothing is: done for good, or until it has itself
   * scheduled again (a session with heartbeats off and no other deadline).
   */
  sweep(now: number): number | undefined;
  /** The wheel's bookkeeping: the tick it is filed under, or -1 when it is not filed. */
  wheelTick: number;
}

/** Beyond this many ticks behind (a blocked process, a clock jump), walk the filed ticks instead. */
const MAX_TICKS_WALKED = 1024;

/**
 * One timer per endpoint instead of several per session, and no scan of idle sessions: each
 * session is filed under the tick of its earliest deadline and visited only then. Deadlines that
 * move later (a frame resets the heartbeat) need no refiling; the visit finds nothing due and
 * files the session again. Only changes that bring a deadline forward call `schedule()`.
 * Deadlines are met within one tick late.
 */
export class TimerWheel {
  private readonly ticks = new Map<number, Set<Timed>>();
  private lastTick: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly resolution: number,
    now = Date.now(),
  ) {
    this.lastTick = Math.floor(now / resolution);
  }

  /** A tenth of the shortest delay, between 5 ms and 1 s: a 25 s heartbeat leaves within 0.5 s of due. */
  static resolutionFor(delays: readonly number[]): number {
    const shortest = Math.min(...delays.filter((delay) => delay > 0));
    return Math.min(1000, Math.max(5, Math.floor(shortest / 10)));
  }

  start(): void {
    this.timer ??= setInterval(() => this.turn(), this.resolution);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Files `item` for `due`, unless it is already filed for that time or earlier (`later`: refile
   * it even then, when its earliest deadline is known to have moved later).
   */
  schedule(item: Timed, due: number | undefined, later = false): void {
    if (due === undefined) return this.cancel(item);
    const tick = Math.max(Math.ceil(due / this.resolution), this.lastTick + 1);
    if (item.wheelTick !== -1) {
      if (item.wheelTick === tick || (item.wheelTick < tick && !later)) return;
      this.unfile(item);
    }
    let filed = this.ticks.get(tick);
    if (!filed) this.ticks.set(tick, (filed = new Set()));
    filed.add(item);
    item.wheelTick = tick;
  }

  cancel(item: Timed): void {
    if (item.wheelTick !== -1) this.unfile(item);
  }

  /** Visits everything filed under the ticks that have passed. */
  turn(now = Date.now()): void {
    const from = this.lastTick + 1;
    const to = Math.floor(now / this.resolution);
    if (to < from) return;
    // Set first: whatever is refiled during the visits lands after `to`, never in a tick passed.
    this.lastTick = to;
    if (to - from < MAX_TICKS_WALKED) {
      for (let tick = from; tick <= to; tick++) this.visit(tick, now);
    } else {
      for (const tick of [...this.ticks.keys()]) if (tick <= to) this.visit(tick, now);
    }
  }

  private visit(tick: number, now: number): void {
    const filed = this.ticks.get(tick);
    if (!filed) return;
    this.ticks.delete(tick);
    for (const item of filed) {
      item.wheelTick = -1;
      this.schedule(item, item.sweep(now));
    }
  }

  private unfile(item: Timed): void {
    const tick = item.wheelTick;
    item.wheelTick = -1;
    const filed = this.ticks.get(tick);
    if (!filed) return;
    filed.delete(item);
    if (filed.size === 0) this.ticks.delete(tick);
  }
}
