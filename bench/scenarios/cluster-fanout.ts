/**
 * Cross-node fan-out: a real redis-server and N of our server children, each with `/broadcast` on the
 * Redis cluster bus; the broadcast scenario's sessions spread evenly over the N nodes, bursts sent
 * from a session on node 1. Server CPU per delivery is every node's and Redis's together. Right
 * before, in the same repetition, a single node without a bus takes the same load (as many
 * sessions, the same bursts): each cluster cell carries that figure and the ratio; and one node
 * without a bus holding one node's share of the sessions, against the same figure. Every delivery
 * is counted per session (each message once, in order), and the nodes' bus counters (dropped
 * publishes, sequence gaps) must stay at 0. Then Redis's own cost per publish and per subscribed
 * node: one session per node on 1, 2, 3 nodes and long bursts, so that publishes are many and Redis's
 * idle work (measured before each window, with the nodes connected) is a small part.
 */
import { encodeEnvelope } from '../../server/cluster/wire';
import {
  childMeter,
  lastError,
  measureWith,
  record,
  sleep,
  startServer,
  windowMetrics,
  withServer,
  type Context,
  type CpuMeter,
  type RunningServer,
} from '../harness';
import type { BroadcastArgs } from '../load/broadcast';
import type { Transport } from '../load/session';
import type { Fanout } from '../profile';
import { findRedisServer, startBenchRedis, type BenchRedis, type RedisWindow } from '../peers/redis';
import type { Metrics } from '../results';
import type { CpuSample, ServerConfig } from '../servers/control';
import { sizeLabel } from './echo';

const SERVER_CONFIG = { heartbeatDelay: 25_000, disconnectDelay: 5_000 };

export function clusterLabel(fanout: Fanout, sessions: number, nodes: number): string {
  const where = nodes === 0 ? '1 node, no bus' : `${nodes} node${nodes > 1 ? 's' : ''} + Redis`;
  return `${sessions} sessions on ${where}, bursts of ${fanout.burst} × ${sizeLabel(fanout.size)}`;
}

function rateLabel(fanout: ClusterProfile, nodes: number): string {
  const where = nodes === 1 ? '1 node' : `each of ${nodes} nodes`;
  return `1 session on ${where} + Redis, bursts of ${fanout.rateBurst} × ${sizeLabel(fanout.size)}`;
}

type ClusterProfile = Context['profile']['cluster'];

/** The shape of one cluster load: sessions (spread over the nodes) and the burst length. */
interface Shape {
  transport: Transport;
  sessions: number;
  burst: number;
}

/** One meter over several processes: their CPU summed; `parts()` gives each one's, in order. */
function sumMeter(meters: readonly CpuMeter[]): CpuMeter & { parts(): CpuSample[] } {
  let parts: CpuSample[] = [];
  return {
    start: () => Promise.all(meters.map((m) => m.start())),
    async stop(): Promise<CpuSample> {
      parts = await Promise.all(meters.map((m) => m.stop()));
      const cpuUs = parts.reduce((sum, p) => sum + p.cpuUs, 0);
      return { cpuUs, wallUs: parts[0]?.wallUs ?? Number.NaN };
    },
    parts: () => parts,
  };
}

async function runLoad(
  ctx: Context,
  meter: CpuMeter,
  args: BroadcastArgs,
): Promise<{ metrics: Metrics; error: string }> {
  const fanout = ctx.profile.cluster;
  await ctx.generator.call('broadcast', args, 90_000);
  try {
    await sleep(fanout.warmMs);
    const window = await measureWith(meter, [ctx.generator], fanout.measureMs);
    return { metrics: windowMetrics(window), error: lastError(window) };
  } finally {
    await ctx.generator.call('close');
  }
}

function broadcastArgs(ctx: Context, shape: Shape, nodes: readonly RunningServer[]): BroadcastArgs {
  const [first, ...others] = nodes.map((node) => node.target);
  if (!first) throw new Error('cluster-fanout: no node');
  const { transport, sessions, burst } = shape;
  return { target: first, others, transport, sessions, burst, size: ctx.profile.cluster.size, sources: 0 };
}

/** The single node without a bus: its CPU per delivery. */
async function measureSingle(ctx: Context, shape: Shape): Promise<Metrics> {
  return withServer(ctx, 'ours', SERVER_CONFIG, 'cluster-single', async (server) => {
    const { metrics, error } = await runLoad(ctx, childMeter(server), broadcastArgs(ctx, shape, [server]));
    if (error) ctx.log(`    (single node, last error: ${error})`);
    return metrics;
  });
}

interface BusCounters {
  dropped: number;
  gaps: number;
  sharded: boolean;
}

/** `nodes` children on the bus, the load spread over them; CPU of all of them and of Redis. */
async function measureCluster(
  ctx: Context,
  redis: BenchRedis,
  shape: Shape,
  nodes: number,
  run: number,
): Promise<{ metrics: Metrics; error: string }> {
  const children: RunningServer[] = [];
  try {
    for (let i = 1; i <= nodes; i++) {
      const config: ServerConfig = { ...SERVER_CONFIG, cluster: { url: redis.url, nodeId: `bench-${run}-node-${i}` } };
      children.push(await startServer(ctx, 'ours', config, `cluster-${nodes}-node-${i}`));
    }
    const idle = await redisIdle(ctx, redis);
    const meter = sumMeter([...children.map(childMeter), redis.meter]);
    const { metrics, error } = await runLoad(ctx, meter, broadcastArgs(ctx, shape, children));
    const parts = meter.parts();
    const bus = await Promise.all(
      children.map(async (child) => {
        const status = await child.child.call<{ problems: number; bus: BusCounters }>('status');
        return { ...status.bus, problems: status.problems };
      }),
    );
    const window = redis.meter.last();
    const extra = clusterMetrics(metrics, parts, window, idle, nodes, bus);
    // Per bus message only where a node has one session: elsewhere it is its deliveries' cost.
    if (shape.sessions > nodes) delete extra.receiverCpuUsPerMessage;
    return { metrics: { ...metrics, ...extra }, error };
  } finally {
    await Promise.all(children.map((child) => child.child.stop()));
  }
}

/** Redis's CPU, in % of one core, with the nodes connected and nothing published. */
async function redisIdle(ctx: Context, redis: BenchRedis): Promise<number> {
  await redis.meter.start();
  await sleep(ctx.profile.cluster.idleMs);
  const sample = await redis.meter.stop();
  return (sample.cpuUs / sample.wallUs) * 100;
}

/** Redis's and the nodes' shares, the bus's traffic, and the checks that nothing was lost. */
function clusterMetrics(
  metrics: Metrics,
  parts: readonly CpuSample[],
  redis: RedisWindow,
  idlePct: number,
  nodes: number,
  bus: readonly (BusCounters & { problems: number })[],
): Metrics {
  const deliveries = metrics.ops ?? 0;
  const nodeParts = parts.slice(0, nodes);
  const nodesUs = nodeParts.reduce((sum, p) => sum + p.cpuUs, 0);
  const wallUs = parts[0]?.wallUs ?? Number.NaN;
  // Deliveries are the generator's count over its own window, CPU the processes' over theirs:
  // per delivery as windowMetrics does (the generator's rate applied to the server's wall time).
  const perDelivery = (us: number): number => us / (((metrics.opsPerSec ?? Number.NaN) * wallUs) / 1e6);
  const publisherUs = nodeParts[0]?.cpuUs ?? Number.NaN;
  return {
    nodesCpuUsPerOp: perDelivery(nodesUs),
    publisherCpuUsPerOp: perDelivery(publisherUs),
    // A node's CPU per bus message it receives and hands to its sessions (all of its work, the
    // deliveries too; with one session per node, mostly the bus's part).
    receiverCpuUsPerMessage: nodes > 1 ? (nodesUs - publisherUs) / (redis.publishes * (nodes - 1)) : Number.NaN,
    redisCpuUsPerOp: perDelivery(redis.cpuUs),
    redisCpuPctCore: (redis.cpuUs / redis.wallUs) * 100,
    published: redis.publishes,
    deliveriesPerPublish: deliveries / redis.publishes,
    redisCpuUsPerPublish: redis.cpuUs / redis.publishes,
    redisIdlePctCore: idlePct,
    // Less what Redis spends idle (its cron, the nodes' connections) over as long.
    redisNetCpuUsPerPublish: (redis.cpuUs - (idlePct / 100) * redis.wallUs) / redis.publishes,
    redisCallUsPerPublish: redis.publishUs / redis.publishes,
    busInBytesPerPublish: redis.netInBytes / redis.publishes,
    busOutBytesPerPublishPerNode: redis.netOutBytes / redis.publishes / nodes,
    busDropped: bus.reduce((sum, b) => sum + (b.dropped ?? 0), 0),
    busGaps: bus.reduce((sum, b) => sum + (b.gaps ?? 0), 0),
    nodeProblems: bus.reduce((sum, b) => sum + b.problems, 0),
    sharded: bus.every((b) => b.sharded) ? 1 : 0,
  };
}

export async function runClusterFanout(ctx: Context): Promise<void> {
  if (!ctx.servers.includes('ours')) return;
  if (!findRedisServer()) {
    const line = 'cluster-fanout: skipped, redis-server not found (install it, or set REDIS_SERVER).';
    ctx.log(`  ${line}`);
    ctx.notes.push(line);
    return;
  }
  const f = ctx.profile.cluster;
  const redis = await startBenchRedis();
  let run = 0;
  try {
    const wanted = (
      [
        ['websocket', f.websocket, f.nodes],
        ['xhr-streaming', f.xhrStreaming, f.nodes.slice(-1)],
      ] as const
    ).filter(([transport]) => ctx.transports.includes(transport));
    for (const [transport, sessions, nodeCounts] of wanted) {
      for (let rep = 1; rep <= ctx.profile.reps; rep++) {
        const shape: Shape = { transport, sessions, burst: f.burst };
        const single = await measureSingle(ctx, shape);
        record(ctx, { scenario: 'cluster-fanout', transport, label: clusterLabel(f, sessions, 0) }, 'ours', single);
        // The control: one node without a bus holding one cluster node's share of the sessions, so
        // what a smaller fan-out costs by itself (with fewer sessions, fewer messages share a frame).
        const share = Math.ceil(sessions / Math.max(...nodeCounts));
        const part = await measureSingle(ctx, { ...shape, sessions: share });
        record(ctx, { scenario: 'cluster-fanout', transport, label: clusterLabel(f, share, 0) }, 'ours', {
          ...part,
          vsSingle: (part.cpuUsPerOp ?? Number.NaN) / (single.cpuUsPerOp ?? Number.NaN),
        });
        for (const nodes of nodeCounts) {
          const { metrics, error } = await measureCluster(ctx, redis, shape, nodes, ++run);
          const label = clusterLabel(f, sessions, nodes);
          const withSingle: Metrics = {
            ...metrics,
            singleCpuUsPerOp: single.cpuUsPerOp ?? Number.NaN,
            vsSingle: (metrics.cpuUsPerOp ?? Number.NaN) / (single.cpuUsPerOp ?? Number.NaN),
          };
          record(ctx, { scenario: 'cluster-fanout', transport, label }, 'ours', withSingle, error);
        }
      }
    }
    if (ctx.transports.includes('websocket')) {
      for (let rep = 1; rep <= ctx.profile.reps; rep++) {
        for (const nodes of f.nodes) {
          const shape: Shape = { transport: 'websocket', sessions: nodes, burst: f.rateBurst };
          const { metrics, error } = await measureCluster(ctx, redis, shape, nodes, ++run);
          record(
            ctx,
            { scenario: 'cluster-fanout', transport: 'websocket', label: rateLabel(f, nodes) },
            'ours',
            metrics,
            error,
          );
        }
      }
    }
  } finally {
    await redis.stop();
  }
  const head = encodeEnvelope('bench-1-node-1', 1000, '', '').length;
  ctx.notes.push(
    "cluster-fanout: the bus on one redis-server (sharded pub/sub, SPUBLISH, on Redis 7+: see the cells' `sharded`); its CPU from INFO (used_cpu_user + used_cpu_sys), the nodes' from process.cpuUsage(). " +
      `A bus message is the application's message after a one-line head (${head} B with the node ids of this run and a 4-digit sequence number).`,
  );
}
