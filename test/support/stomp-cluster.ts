/**
 * STOMP servers on the Redis cluster bus, in the test process: three nodes, each its own http
 * server with the STOMP endpoints (test/support/stomp.ts) and its own bus; `/app/echo` replies to
 * `/topic/echo`; the session's user taken from `?user=`.
 */
import type { IMessage } from '@stomp/stompjs' with { 'resolution-mode': 'import' };
import { createRedisBus, type RedisClusterBus } from '../../server/cluster';
import type { StompServerOptions } from '../../server/stomp';
import { shardSubscribers, type AdminClient } from './cluster';
import { RecordingLogger } from './logger';
import type { Resources } from './resources';
import { startStompServer, type StompjsSession, type StompTestServer } from './stomp';
import { principalFromQuery } from './stomp-e2e';
import { pollUntil } from './wait';

export interface StompNode {
  readonly server: StompTestServer;
  readonly bus: RedisClusterBus;
  readonly busLog: RecordingLogger;
}

/** `count` nodes named node-1 …, each with a bus (also given to its endpoints) and a STOMP server on it. */
export async function startStompNodes(
  url: string,
  resources: Resources,
  options: StompServerOptions = {},
  count = 3,
  busOptions: { reconnectMaxDelay?: number } = {},
): Promise<StompNode[]> {
  const nodes: StompNode[] = [];
  for (let i = 1; i <= count; i++) {
    const busLog = new RecordingLogger();
    const bus = createRedisBus({ url, nodeId: `node-${i}`, logger: busLog, ...busOptions });
    resources.add(bus, (b) => b.close());
    const server = await startStompServer(
      { cluster: bus, ...options },
      (stomp) => stomp.messageMapping<string>('/echo', (message) => `${message.payload}`),
      { cluster: bus, ...principalFromQuery },
    );
    resources.add(server.http, (http) => http.close());
    await bus.start();
    nodes.push({ server, bus, busLog });
  }
  return nodes;
}

/** Waits until `count` nodes listen to `channel` on Redis. */
export async function listenedBy(admin: AdminClient, channel: string, count: number): Promise<void> {
  await pollUntil(
    async () => ((await shardSubscribers(admin, channel)) === count ? true : undefined),
    `${count} nodes listening to ${channel}`,
  );
}

/** Waits for `last`, then returns the bodies starting with `tag`. */
export async function bodiesUpTo(session: StompjsSession, last: string, tag: string): Promise<string[]> {
  await session.messages.waitFor((m: IMessage) => m.body === last, `${last}`, 15_000);
  return session.messages.items.map((m) => m.body).filter((body) => body.startsWith(tag));
}

/** The STOMP server's channels a node listens to now. */
export function stompChannelsOf(node: StompNode): string[] {
  return node.bus.channels().filter((channel) => channel.startsWith('stomp:'));
}
