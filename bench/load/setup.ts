/**
 * Session setup: `concurrency` loops, each opening a session, waiting for its `o` frame and closing
 * it as the client would (websocket close; xhr-streaming abort; xhr-polling: stop polling and let
 * the server time the session out). Ops are sessions set up; latency is the time to `o`.
 */
import { Histogram } from './histogram';
import { openSession, type Load, type LoadSample } from './open';
import type { ClientSession, Target, Transport } from './session';

export interface SetupArgs {
  target: Target;
  transport: Transport;
  concurrency: number;
}

export async function startSetup(args: SetupArgs): Promise<Load> {
  const histogram = new Histogram();
  let ops = 0;
  let errors = 0;
  let lastError = '';
  let running = true;
  let markedAt = performance.now();
  let active = 0;

  const loop = (): void => {
    if (!running) return;
    active++;
    const started = performance.now();
    let session: ClientSession | undefined;
    let settled = false;
    const next = (delay: number): void => {
      if (settled) return;
      settled = true;
      active--;
      if (delay === 0) setImmediate(loop);
      else setTimeout(loop, delay);
    };
    // Assigned once, but declared before: its callbacks refer to it.
    // eslint-disable-next-line prefer-const
    session = openSession(args.transport, args.target, 'echo', {
      open: () => {
        histogram.record(performance.now() - started);
        ops++;
        session?.close();
        next(0);
      },
      lost: (why) => {
        errors++;
        lastError = why;
        next(10);
      },
    });
  };
  for (let i = 0; i < args.concurrency; i++) loop();

  return {
    mark() {
      ops = 0;
      errors = 0;
      histogram.reset();
      markedAt = performance.now();
    },
    collect(): LoadSample {
      return { ops, wallMs: performance.now() - markedAt, latency: histogram.summary(), errors, lastError, extra: {} };
    },
    async close() {
      running = false;
      for (let i = 0; i < 100 && active > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
  };
}
