/**
 * Idle sessions held open: the generator opens them, then only counts heartbeats and losses.
 * Ops are heartbeats received in the window; latency is the time each session took to open.
 */
import { Histogram } from './histogram';
import { closeAll, openMany, type Load, type LoadSample } from './open';
import type { ClientSession, Target, Transport } from './session';
import { WebSocketSession } from './websocket';

/** `h` frames and pings a websocket session has seen (zeros for HTTP ones). */
function wsBeats(session: ClientSession): [number, number] {
  return session instanceof WebSocketSession ? [session.heartbeatFrames, session.pings] : [0, 0];
}

export interface HoldArgs {
  target: Target;
  transport: Transport;
  count: number;
  sources: number;
  /** This generator's first session index (several generators share the source addresses). */
  offset: number;
}

export async function startHold(args: HoldArgs): Promise<Load> {
  const openLatency = new Histogram();
  let lost = 0;
  let lastError = '';
  let running = true;
  let markedAt = performance.now();
  const startedAt: number[] = [];
  let heartbeatBase: number[] = [];
  let framesBase = 0;
  let pingsBase = 0;
  const wsTotals = (): [number, number] =>
    opened.sessions.reduce<[number, number]>(
      (sum, session) => {
        const [frames, pings] = wsBeats(session);
        return [sum[0] + frames, sum[1] + pings];
      },
      [0, 0],
    );

  const opened = await openMany({
    transport: args.transport,
    target: args.target,
    service: 'echo',
    count: args.count,
    concurrency: 64,
    sources: args.sources,
    offset: args.offset,
    timeoutMs: 120_000,
    listener: (index) => {
      startedAt[index] = performance.now();
      return {
        open: () => openLatency.record(performance.now() - (startedAt[index] ?? 0)),
        lost: (why) => {
          if (!running) return;
          lost++;
          lastError = why;
        },
      };
    },
  });
  lost += opened.failed;
  if (opened.failed > 0) lastError = opened.lastError;

  return {
    mark() {
      heartbeatBase = opened.sessions.map((session) => session.heartbeats);
      [framesBase, pingsBase] = wsTotals();
      markedAt = performance.now();
    },
    collect(): LoadSample {
      let total = 0;
      let min = Number.POSITIVE_INFINITY;
      let open = 0;
      opened.sessions.forEach((session, index) => {
        if (session.isOpen) open++;
        const received = session.heartbeats - (heartbeatBase[index] ?? 0);
        total += received;
        if (received < min) min = received;
      });
      return {
        ops: total,
        wallMs: performance.now() - markedAt,
        latency: openLatency.summary(),
        errors: lost,
        lastError,
        extra: {
          requested: args.count,
          open,
          lost,
          openMs: opened.ms,
          minHeartbeats: opened.sessions.length === 0 ? 0 : min,
          wsHeartbeatFrames: wsTotals()[0] - framesBase,
          wsPings: wsTotals()[1] - pingsBase,
        },
      };
    },
    async close() {
      running = false;
      await closeAll(opened.sessions);
    },
  };
}
