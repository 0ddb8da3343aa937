/**
 * Echo load: every session keeps `window` messages in flight; each echo sends the next message.
 * Latency is from `send()` to the echo (queueing in the client included, as an application sees it).
 */
import { Histogram } from './histogram';
import { closeAll, openMany, type Load, type LoadSample } from './open';
import type { ClientSession, Target, Transport } from './session';

export interface EchoArgs {
  target: Target;
  transport: Transport;
  sessions: number;
  size: number;
  window: number;
}

export async function startEcho(args: EchoArgs): Promise<Load> {
  const message = 'x'.repeat(args.size);
  const histogram = new Histogram();
  let ops = 0;
  let frames = 0;
  let errors = 0;
  let lastError = '';
  let running = true;
  let markedAt = performance.now();
  const inFlight: number[][] = [];

  const opened = await openMany({
    transport: args.transport,
    target: args.target,
    service: 'echo',
    count: args.sessions,
    concurrency: 50,
    sources: 0,
    timeoutMs: 20_000,
    listener: (index) => {
      const sentAt: number[] = [];
      inFlight[index] = sentAt;
      return {
        messages: (messages) => {
          const now = performance.now();
          frames++;
          const session = opened.sessions[index] as ClientSession;
          for (const received of messages) {
            const at = sentAt.shift();
            if (at === undefined || received.length !== args.size) {
              errors++;
              lastError = 'unexpected echo';
              continue;
            }
            histogram.record(now - at);
            ops++;
            if (running) {
              sentAt.push(now);
              session.send(message);
            }
          }
        },
        lost: (why) => {
          if (!running) return;
          errors++;
          lastError = why;
        },
      };
    },
  });
  if (opened.failed > 0)
    throw new Error(`echo: ${opened.failed} of ${args.sessions} sessions failed to open: ${opened.lastError}`);
  opened.sessions.forEach((session, index) => {
    const sentAt = inFlight[index] as number[];
    for (let i = 0; i < args.window; i++) {
      sentAt.push(performance.now());
      session.send(message);
    }
  });

  return {
    mark() {
      ops = 0;
      frames = 0;
      errors = 0;
      histogram.reset();
      markedAt = performance.now();
    },
    collect(): LoadSample {
      return {
        ops,
        wallMs: performance.now() - markedAt,
        latency: histogram.summary(),
        errors,
        lastError,
        extra: { frames },
      };
    },
    async close() {
      running = false;
      await closeAll(opened.sessions);
    },
  };
}
