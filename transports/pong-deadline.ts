/**
 * Finds dead websocket peers: every ping must be answered by a pong within `ms`, else `onTimeout`.
 * A peer that vanished without closing (cable pulled, NAT entry expired) is otherwise only
 * noticed when the kernel gives up on the socket, many minutes later.
 */
export class PongDeadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {}

  /** A ping went out. An earlier unanswered ping keeps its deadline. */
  pinged(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onTimeout();
    }, this.ms);
    this.timer.unref();
  }

  ponged(): void {
    this.stop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
