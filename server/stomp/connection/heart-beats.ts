import type { StompHeartBeatAgreement } from '../../../protocol';
import type { OutboundBuffer } from './outbound-buffer';

/**
 * The two directions of STOMP heart-beating once agreed. Outgoing: a `\n` whenever the line to the
 * client has been quiet for the agreed interval. Incoming: a client silent for `tolerance` intervals
 * is taken for dead. One self-rescheduling timer per direction; both unref'd (they never keep the
 * process alive).
 */
export class HeartBeats {
  private lastHeardAt = Date.now();
  private sendTimer: NodeJS.Timeout | undefined;
  private receiveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly agreed: StompHeartBeatAgreement,
    private readonly tolerance: number,
    private readonly outbound: OutboundBuffer,
    /** True while a frame is being handled: the client's messages queue behind it unread, beats too. */
    private readonly busy: () => boolean,
    private readonly onSilence: (silentMs: number) => void,
  ) {
    if (agreed.serverToClient > 0) this.scheduleBeat();
    if (agreed.clientToServer > 0) this.scheduleWatch();
  }

  /** Anything from the client counts as a beat. */
  heard(): void {
    this.lastHeardAt = Date.now();
  }

  stop(): void {
    clearTimeout(this.sendTimer);
    clearTimeout(this.receiveTimer);
    this.sendTimer = this.receiveTimer = undefined;
  }

  private scheduleBeat(): void {
    const interval = this.agreed.serverToClient;
    const due = this.outbound.lastWriteAt + interval - Date.now();
    // Overdue and still not written (a blocked line): look again an interval later, not in a loop.
    const wait = due > 0 ? due : interval;
    this.sendTimer = setTimeout(() => {
      // A blocked line is not quiet: frames are waiting to go, and a beat would only queue behind them.
      if (Date.now() - this.outbound.lastWriteAt >= interval && !this.outbound.blocked) this.outbound.write('\n');
      this.scheduleBeat();
    }, wait).unref();
  }

  private scheduleWatch(): void {
    const limit = this.agreed.clientToServer * this.tolerance;
    const wait = Math.max(0, this.lastHeardAt + limit - Date.now());
    this.receiveTimer = setTimeout(() => {
      const silent = Date.now() - this.lastHeardAt;
      if (silent >= limit && this.busy()) this.heard();
      if (silent >= limit && !this.busy()) this.onSilence(silent);
      else this.scheduleWatch();
    }, wait).unref();
  }
}
