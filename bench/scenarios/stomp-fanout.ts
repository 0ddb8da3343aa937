/**
 * STOMP fan-out through the broker: one publisher, `websocket` subscribers of one topic on our plain
 * websocket endpoint (`/stomp-ws`) and `xhrStreaming` on SockJS xhr-streaming (`/stomp`). In the same
 * server child, right before each, the raw endpoint's broadcast of the same shape (as many SockJS
 * sessions on `/broadcast`, the same bursts): each STOMP cell carries that raw figure and the ratio.
 * Then RabbitMQ Web-STOMP (when installed) with the same websocket fan-out, its beam.smp CPU from /proc.
 */
import {
  childMeter,
  lastError,
  measureWith,
  record,
  sleep,
  windowMetrics,
  withServer,
  type Context,
  type CpuMeter,
  type RunningServer,
} from '../harness';
import type { BroadcastArgs } from '../load/broadcast';
import type { Transport } from '../load/session';
import type { StompFanoutArgs } from '../load/stomp-fanout';
import type { StompTarget } from '../load/stomp-client';
import type { Metrics } from '../results';
import { rabbitMqMissing, startRabbitMq, type RabbitMq } from '../peers/rabbitmq';
import { sizeLabel } from './echo';

const DESTINATION = '/topic/bench.fanout';
const SERVER_CONFIG = { heartbeatDelay: 25_000, disconnectDelay: 5_000 };

export function fanoutLabel(ctx: Context, subscribers: number): string {
  const s = ctx.profile.stomp;
  return `1 publisher → ${subscribers} subscribers, bursts of ${s.burst} × ${sizeLabel(s.size)}`;
}

/** Plain websocket for `websocket` (our /stomp-ws), SockJS for the others (our /stomp). */
function ourTarget(server: RunningServer, transport: Transport): StompTarget {
  return {
    ...server.target,
    transport,
    path: transport === 'websocket' ? '/stomp-ws' : '/stomp',
    vhost: 'localhost',
  };
}

async function measureFanout(
  ctx: Context,
  meter: CpuMeter,
  target: StompTarget,
  subscribers: number,
): Promise<Metrics> {
  const s = ctx.profile.stomp;
  const args: StompFanoutArgs = { target, subscribers, destination: DESTINATION, burst: s.burst, size: s.size };
  await ctx.generator.call('stompFanout', args, 120_000);
  try {
    await sleep(s.warmMs);
    const window = await measureWith(meter, [ctx.generator], s.measureMs);
    const error = lastError(window);
    if (error) ctx.log(`    (last error: ${error})`);
    return windowMetrics(window);
  } finally {
    await ctx.generator.call('close');
  }
}

/** The raw endpoint's /broadcast with as many sessions and the same bursts (SockJS over `transport`). */
async function measureRawBroadcast(
  ctx: Context,
  server: RunningServer,
  transport: Transport,
  sessions: number,
): Promise<Metrics> {
  const s = ctx.profile.stomp;
  const args: BroadcastArgs = { target: server.target, transport, sessions, burst: s.burst, size: s.size, sources: 0 };
  await ctx.generator.call('broadcast', args, 90_000);
  try {
    await sleep(s.warmMs);
    const window = await measureWith(childMeter(server), [ctx.generator], s.measureMs);
    const error = lastError(window);
    if (error) ctx.log(`    (raw broadcast, last error: ${error})`);
    return windowMetrics(window);
  } finally {
    await ctx.generator.call('close');
  }
}

export async function runStompFanout(ctx: Context): Promise<void> {
  const s = ctx.profile.stomp;
  const counts: [Transport, number][] = [
    ['websocket', s.websocket],
    ['xhr-streaming', s.xhrStreaming],
  ];
  const wanted = counts.filter(([transport]) => ctx.transports.includes(transport));
  if (ctx.servers.includes('ours')) {
    for (let rep = 1; rep <= ctx.profile.reps; rep++) {
      // A fresh child each repetition, as the broadcast scenario does.
      await withServer(ctx, 'ours', SERVER_CONFIG, 'stomp-fanout', async (server) => {
        for (const [transport, count] of wanted) {
          const raw = await measureRawBroadcast(ctx, server, transport, count);
          const stomp = await measureFanout(ctx, childMeter(server), ourTarget(server, transport), count);
          const metrics: Metrics = {
            ...stomp,
            rawOpsPerSec: raw.opsPerSec ?? Number.NaN,
            rawCpuUsPerOp: raw.cpuUsPerOp ?? Number.NaN,
            rawMsgsPerFrame: raw.msgsPerFrame ?? Number.NaN,
            rawErrors: raw.errors ?? 0,
            vsRaw: (stomp.cpuUsPerOp ?? Number.NaN) / (raw.cpuUsPerOp ?? Number.NaN),
          };
          record(ctx, { scenario: 'stomp-fanout', transport, label: fanoutLabel(ctx, count) }, 'ours', metrics);
        }
      });
    }
  }
  if (ctx.transports.includes('websocket')) await runRabbitMq(ctx);
}

async function runRabbitMq(ctx: Context): Promise<void> {
  const missing = ctx.rabbitmq ? rabbitMqMissing() : 'left out with --no-rabbitmq';
  if (missing !== undefined) {
    const line = `stomp-fanout: RabbitMQ skipped (${missing}); no "vs RabbitMQ" figure.`;
    ctx.log(`  ${line}`);
    ctx.notes.push(line);
    return;
  }
  const s = ctx.profile.stomp;
  let rabbit: RabbitMq;
  try {
    rabbit = await startRabbitMq(ctx.log);
  } catch (error) {
    // The rest of the run stands without it; the reason (and the node's log tail) is printed.
    const line = `stomp-fanout: RabbitMQ skipped, it did not start: ${(error as Error).message}`;
    ctx.log(`  ${line}`);
    ctx.notes.push(line.split('\n')[0] ?? line);
    return;
  }
  try {
    const target: StompTarget = {
      host: '127.0.0.1',
      port: rabbit.port,
      transport: 'websocket',
      path: '/ws',
      vhost: '/',
      login: 'guest',
      passcode: 'guest',
    };
    for (let rep = 1; rep <= ctx.profile.reps; rep++) {
      const metrics = await measureFanout(ctx, rabbit.meter, target, s.websocket);
      record(
        ctx,
        { scenario: 'stomp-fanout', transport: 'websocket', label: fanoutLabel(ctx, s.websocket) },
        'rabbitmq',
        metrics,
      );
    }
  } finally {
    await rabbit.stop();
    ctx.log('  rabbitmq stopped');
  }
  ctx.notes.push(
    "stomp-fanout: RabbitMQ ran with Erlang scheduler busy-waiting off (+sbwt none), so its CPU per delivery is work, not spinning; its CPU is beam.smp's from /proc (10 ms ticks).",
  );
}
