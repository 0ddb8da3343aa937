/**
 * STOMP point-to-point round trips through the application: `clients` clients each SUBSCRIBE to
 * `replyTo` (`/user/queue/echo`: the sender's own session), then keep `window` SENDs to `destination`
 * (`/app/echo`) in flight, sending the next as each reply arrives. Ops are replies; latency is from a
 * SEND to its reply.
 */
import { Histogram } from './histogram';
import type { Load, LoadSample } from './open';
import { connectMany, StompClient, type StompTarget } from './stomp-client';

export interface StompEchoArgs {
  target: StompTarget;
  clients: number;
  destination: string;
  replyTo: string;
  window: number;
  size: number;
}

const CONNECT_TIMEOUT_MS = 30_000;
/** A client whose oldest SEND has no reply after this is counted stalled (once per `collect`). */
const STALL_MS = 5_000;

interface Pending {
  sentAt: Map<string, number>;
  sequence: number;
}

export async function startStompEcho(args: StompEchoArgs): Promise<Load> {
  const histogram = new Histogram();
  let replies = 0;
  let errors = 0;
  let lastError = '';
  let running = true;
  let markedAt = performance.now();
  const pending: Pending[] = [];
  const clients: StompClient[] = [];

  const payload = (index: number, sequence: number): string => {
    const head = `${index}:${sequence}:`;
    return head + 'x'.repeat(Math.max(0, args.size - head.length));
  };
  const sendNext = (index: number): void => {
    const state = pending[index] as Pending;
    const body = payload(index, ++state.sequence);
    state.sentAt.set(body, performance.now());
    clients[index]?.send(args.destination, body);
  };

  const connected = await connectMany(args.clients, 50, async (index) => {
    pending[index] = { sentAt: new Map(), sequence: 0 };
    const client = await StompClient.connect(
      args.target,
      {
        message: (frame) => {
          const state = pending[index] as Pending;
          const at = state.sentAt.get(frame.body);
          if (at === undefined) {
            errors++;
            lastError = `client ${index}: unexpected reply ${frame.body.slice(0, 40)}`;
            return;
          }
          state.sentAt.delete(frame.body);
          histogram.record(performance.now() - at);
          replies++;
          if (running) sendNext(index);
        },
        lost: (why) => {
          if (!running) return;
          errors++;
          lastError = `client ${index}: ${why}`;
        },
      },
      CONNECT_TIMEOUT_MS,
    );
    await client.subscribe(args.replyTo, 'sub-0', CONNECT_TIMEOUT_MS);
    return client;
  });
  clients.push(...connected);
  for (let index = 0; index < clients.length; index++) {
    for (let i = 0; i < args.window; i++) sendNext(index);
  }

  const stalled = (): number => {
    const now = performance.now();
    return pending.filter((state) => [...state.sentAt.values()].some((at) => now - at > STALL_MS)).length;
  };

  return {
    mark() {
      replies = 0;
      errors = 0;
      histogram.reset();
      markedAt = performance.now();
    },
    collect(): LoadSample {
      const stuck = stalled();
      if (stuck > 0) lastError = `${stuck} clients waiting over ${STALL_MS} ms for a reply`;
      return {
        ops: replies,
        wallMs: performance.now() - markedAt,
        latency: histogram.summary(),
        errors: errors + stuck,
        lastError,
        extra: { clients: clients.length },
      };
    },
    async close() {
      running = false;
      for (const client of clients) client.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
  };
}
