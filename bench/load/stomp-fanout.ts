/**
 * STOMP fan-out through a broker: `subscribers` clients SUBSCRIBE to one topic (each with the id
 * `sub-0`, as stompjs names a client's first subscription), one more client publishes bursts of SENDs
 * to it; the next burst goes when every subscriber has every message. Ops are deliveries (MESSAGE
 * frames received); latency is from the send to each delivery.
 */
import { Histogram } from './histogram';
import type { Load, LoadSample } from './open';
import { connectMany, StompClient, type StompListener, type StompTarget } from './stomp-client';

export interface StompFanoutArgs {
  target: StompTarget;
  subscribers: number;
  destination: string;
  burst: number;
  size: number;
}

const BURST_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 60_000;

export async function startStompFanout(args: StompFanoutArgs): Promise<Load> {
  const histogram = new Histogram();
  let deliveries = 0;
  let chunks = 0;
  let errors = 0;
  let lastError = '';
  let bursts = 0;
  let running = true;
  let markedAt = performance.now();
  let sentAt = new Map<string, number>();
  let remaining = 0;
  let burstId = 0;
  let burstTimer: NodeJS.Timeout | undefined;

  const lost = (why: string): void => {
    if (!running) return;
    errors++;
    lastError = why;
  };
  const subscriber: StompListener = {
    message: (frame) => {
      const at = sentAt.get(frame.body);
      if (at === undefined) {
        errors++;
        lastError = 'delivery of an old burst';
        return;
      }
      histogram.record(performance.now() - at);
      deliveries++;
      if (--remaining === 0 && running) {
        bursts++;
        clearTimeout(burstTimer);
        setImmediate(nextBurst);
      }
    },
    chunk: () => chunks++,
    lost,
  };

  const subscribers = await connectMany(args.subscribers, 100, async () => {
    const client = await StompClient.connect(args.target, subscriber, CONNECT_TIMEOUT_MS);
    await client.subscribe(args.destination, 'sub-0', CONNECT_TIMEOUT_MS);
    return client;
  });
  let publisher: StompClient;
  try {
    publisher = await StompClient.connect(
      args.target,
      { message: () => lost('the publisher got a MESSAGE'), lost },
      CONNECT_TIMEOUT_MS,
    );
  } catch (error) {
    for (const client of subscribers) client.close();
    throw error;
  }

  function nextBurst(): void {
    if (!running) return;
    burstId++;
    sentAt = new Map();
    remaining = subscribers.length * args.burst;
    const now = performance.now();
    for (let i = 0; i < args.burst; i++) {
      const head = `${burstId}:${i}:`;
      const body = head + 'x'.repeat(Math.max(0, args.size - head.length));
      sentAt.set(body, now);
      publisher.send(args.destination, body);
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
      chunks = 0;
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
        extra: { bursts, frames: chunks, subscribers: subscribers.length },
      };
    },
    async close() {
      running = false;
      clearTimeout(burstTimer);
      publisher.close();
      for (const client of subscribers) client.close();
      // Let the close handshakes go out before the next step.
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
  };
}
