/**
 * Closes a session that hears nothing from its client for `ms` (the `idleTimeout` option).
 * One timer, refreshed in place on every message: no allocation per message.
 */
export class IdleTimer {
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number, onIdle: () => void) {
    this.timer = setTimeout(onIdle, ms);
    this.timer.unref();
  }

  /** The client was heard from. */
  touch(): void {
    this.timer.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
