/**
 * Nodes of a cluster joined by the Redis bus, in the test process: test/support/nodes.ts nodes
 * (each its own http server and /echo endpoint) with one bus each, its own node id, the session's
 * user taken from `?user=` on its URL.
 */
import { createClient } from 'redis';
import { createRedisBus, type RedisClusterBus } from '../../server/cluster';
import { RecordingLogger } from './logger';
import { NODE_PREFIX, startNode, type TestNode } from './nodes';
import type { Resources } from './resources';
import { connectSockJs, type NodeClientTransport, type SockJsConnection } from './sockjs-client';

export interface ClusterNode {
  readonly node: TestNode;
  readonly bus: RedisClusterBus;
  /** The bus's log (outages, drops, gaps). */
  readonly busLog: RecordingLogger;
}

/** Starts `count` nodes named node-1 … on one Redis; all closed by `resources` (endpoints, then buses). */
export async function startCluster(
  url: string,
  count: number,
  resources: Resources,
  busOptions: { reconnectMaxDelay?: number } = {},
): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  for (let i = 1; i <= count; i++) {
    const busLog = new RecordingLogger();
    const bus = createRedisBus({ url, nodeId: `node-${i}`, logger: busLog, ...busOptions });
    resources.add(bus, (b) => b.close());
    const node = await startNode(`node-${i}`, {
      cluster: bus,
      // A closed HTTP-streaming session is gone (and unregistered) soon after its client leaves.
      disconnectDelay: 500,
      principal: (handshake) => {
        const user = new URL(handshake.req.url ?? '/', 'http://x').searchParams.get('user');
        return user ? { name: user } : undefined;
      },
    });
    resources.add(node, (n) => n.close());
    await bus.start();
    nodes.push({ node, bus, busLog });
  }
  return nodes;
}

/** A sockjs-client session on `node` (as `user`, if given), open. */
export async function openOn(
  node: ClusterNode,
  transport: NodeClientTransport,
  resources: Resources,
  user?: string,
): Promise<SockJsConnection> {
  const query = user === undefined ? '' : `?user=${encodeURIComponent(user)}`;
  const connection = connectSockJs(`http://127.0.0.1:${node.node.port}${NODE_PREFIX}${query}`, transport, resources);
  await connection.opened;
  return connection;
}

function newAdmin(url: string) {
  return createClient({ url, socket: { reconnectStrategy: false } });
}

export type AdminClient = ReturnType<typeof newAdmin>;

/** A plain client for looking at Redis itself (PUBSUB, keys). */
export async function adminClient(url: string, resources: Resources): Promise<AdminClient> {
  const client = newAdmin(url);
  client.on('error', () => undefined);
  await client.connect();
  resources.add(client, (c) => (c.isOpen ? c.close() : undefined));
  return client;
}

/** How many connections listen to `channel` (sharded pub/sub). */
export async function shardSubscribers(admin: AdminClient, channel: string): Promise<number> {
  const reply: unknown = await admin.sendCommand(['PUBSUB', 'SHARDNUMSUB', channel]);
  return Array.isArray(reply) ? Number(reply[1]) : NaN;
}
