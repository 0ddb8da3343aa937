/**
 * STOMP fan-out through a broker: `subscribers` clients SUBSCRIBE to one topic (each with the id
 * `sub-0`, as stompjs names a client's first subscription), one more client publishes bursts of SENDs
 * to it; the next burst goes when every subscriber has every message. Ops are deliveries (MESSAGE
 * frames received); latency is from the send to each delivery.
 */
import { BurstLoop } from './bursts';
import type { Load } from './open';
import { connectMany, StompClient, type StompListener, type StompTarget } from './stomp-client';

export interface StompFanoutArgs {
  target: StompTarget;
  subscribers: number;
  destination: string;
  burst: number;
  size: number;
}

const CONNECT_TIMEOUT_MS = 60_000;

export async function startStompFanout(args: StompFanoutArgs): Promise<Load> {
  const loop = new BurstLoop({
    burst: args.burst,
    size: args.size,
    sender: () => ({ receivers: subscribers.length, send: (body) => publisher.send(args.destination, body) }),
  });
  const lost = (why: string): void => loop.lost(why);
  const subscriber: StompListener = {
    message: (frame) => loop.received([frame.body]),
    chunk: () => loop.frame(),
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
  loop.next();

  return {
    mark: () => loop.mark(),
    collect: () => loop.collect({ subscribers: subscribers.length }),
    async close() {
      loop.stop();
      publisher.close();
      for (const client of subscribers) client.close();
      // Let the close handshakes go out before the next step.
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
  };
}
