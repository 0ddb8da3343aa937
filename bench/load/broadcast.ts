/**
 * Broadcast fan-out: one session sends a burst of messages to /broadcast; the next burst goes when
 * every session (the sender too) has every message. Ops are deliveries; latency is from the send to
 * each delivery.
 */
import { Histogram } from './histogram';
import { closeAll, openMany, type Load, type LoadSample } from './open';
import type { ClientSession, Target, Transport } from './session';

export interface BroadcastArgs {
  target: Target;
  transport: Transport;
  sessions: number;
  burst: number;
  size: number;
  sources: number;
}

const BURST_TIMEOUT_MS = 15_000;

export async function startBroadcast(args: BroadcastArgs): Promise<Load> {
  const histogram = new Histogram();
  let deliveries = 0;
  let frames = 0;
  let errors = 0;
  let lastError = '';
  let bursts = 0;
  let running = true;
  let markedAt = performance.now();
  let sentAt = new Map<string, number>();
  let remaining = 0;
  let burstId = 0;
  let burstTimer: NodeJS.Timeout | undefined;

  const opened = await openMany({
    transport: args.transport,
    target: args.target,
    service: 'broadcast',
    count: args.sessions,
    concurrency: 100,
    sources: args.sources,
    timeoutMs: 60_000,
    listener: () => ({
      messages: (messages) => {
        const now = performance.now();
        frames++;
        for (const message of messages) {
          const at = sentAt.get(message);
          if (at === undefined) {
            errors++;
            lastError = 'delivery of an old burst';
            continue;
          }
          histogram.record(now - at);
          deliveries++;
          remaining--;
        }
        if (remaining === 0 && running) {
          bursts++;
          clearTimeout(burstTimer);
          setImmediate(nextBurst);
        }
      },
      lost: (why) => {
        if (!running) return;
        errors++;
        lastError = why;
      },
    }),
  });
  if (opened.failed > 0)
    throw new Error(`broadcast: ${opened.failed} of ${args.sessions} sessions failed to open: ${opened.lastError}`);
  // Subscriptions are in place once every session is open; give the server a moment all the same.
  await new Promise((resolve) => setTimeout(resolve, 200));

  function nextBurst(): void {
    if (!running) return;
    const live = opened.sessions.filter((session) => session.isOpen);
    const sender: ClientSession | undefined = live[0];
    if (!sender) {
      errors++;
      lastError = 'no session left to send';
      return;
    }
    burstId++;
    sentAt = new Map();
    remaining = live.length * args.burst;
    const now = performance.now();
    for (let i = 0; i < args.burst; i++) {
      const head = `${burstId}:${i}:`;
      const message = head + 'x'.repeat(Math.max(0, args.size - head.length));
      sentAt.set(message, now);
      sender.send(message);
    }
    burstTimer = setTimeout(() => {
      errors++;
      lastError = `burst ${burstId}: ${remaining} deliveries missing after ${BURST_TIMEOUT_MS} ms`;
      nextBurst();
    }, BURST_TIMEOUT_MS);
  }
  nextBurst();

  return {
    mark() {
      deliveries = 0;
      frames = 0;
      errors = 0;
      bursts = 0;
      histogram.reset();
      markedAt = performance.now();
    },
    collect(): LoadSample {
      return {
        ops: deliveries,
        wallMs: performance.now() - markedAt,
        latency: histogram.summary(),
        errors,
        lastError,
        extra: { bursts, frames, sessions: opened.sessions.length },
      };
    },
    async close() {
      running = false;
      clearTimeout(burstTimer);
      await closeAll(opened.sessions);
    },
  };
}
