/**
 * redis-server as the cluster-fanout scenario's peer (demo/peers/redis.ts starts it, as for the
 * tests), and what a window cost it, from its own `INFO`: CPU (used_cpu_user + used_cpu_sys, µs
 * resolution, the whole process), the publishes it took (commandstats), and its network bytes.
 */
import { createClient } from 'redis';
import { findRedisServer, startRedis, type RedisProcess } from '../../demo/peers/redis';
import type { CpuMeter } from '../harness';
import type { CpuSample } from '../servers/control';

export { findRedisServer };

/** The counters of one `INFO cpu stats commandstats`. */
export interface RedisCounters {
  cpuUs: number;
  /** PUBLISH + SPUBLISH calls, and the µs Redis spent inside them. */
  publishes: number;
  publishUs: number;
  netInBytes: number;
  netOutBytes: number;
}

/** What a window cost Redis (the later counters minus the earlier). */
export interface RedisWindow extends RedisCounters {
  wallUs: number;
}

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

/** `cmdstat_spublish:calls=12,usec=34,...` → [calls, usec] (0 when never called). */
function commandStat(info: string, command: string): [number, number] {
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+),usec=(\\d+)`, 'm').exec(info);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

export function parseCounters(info: string): RedisCounters {
  const [publishCalls, publishUs] = commandStat(info, 'publish');
  const [spublishCalls, spublishUs] = commandStat(info, 'spublish');
  return {
    cpuUs: Math.round((field(info, 'used_cpu_user') + field(info, 'used_cpu_sys')) * 1e6),
    publishes: publishCalls + spublishCalls,
    publishUs: publishUs + spublishUs,
    netInBytes: field(info, 'total_net_input_bytes'),
    netOutBytes: field(info, 'total_net_output_bytes'),
  };
}

export interface BenchRedis {
  readonly url: string;
  /** A meter for measureWith; `last()` is the full window it measured last. */
  readonly meter: CpuMeter & { last(): RedisWindow };
  stop(): Promise<void>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const redis: RedisProcess = await startRedis();
  const client = createClient({ url: redis.url });
  try {
    await client.connect();
  } catch (error) {
    await redis.stop();
    throw error;
  }
  let before: RedisCounters | undefined;
  let startReplyBytes = 0;
  let wallStart = process.hrtime.bigint();
  let last: RedisWindow | undefined;
  const read = async (): Promise<{ counters: RedisCounters; bytes: number }> => {
    // Three sections in one INFO (Redis 7), so the three readings are of one moment.
    const info = String(await client.sendCommand(['INFO', 'cpu', 'stats', 'commandstats']));
    return { counters: parseCounters(info), bytes: Buffer.byteLength(info) };
  };
  const meter = {
    start: async (): Promise<void> => {
      const reading = await read();
      before = reading.counters;
      startReplyBytes = reading.bytes;
      wallStart = process.hrtime.bigint();
    },
    stop: async (): Promise<CpuSample> => {
      const { counters } = await read();
      const wallUs = Number(process.hrtime.bigint() - wallStart) / 1000;
      const from = before ?? counters;
      last = {
        wallUs,
        cpuUs: counters.cpuUs - from.cpuUs,
        publishes: counters.publishes - from.publishes,
        publishUs: counters.publishUs - from.publishUs,
        netInBytes: counters.netInBytes - from.netInBytes,
        // The start's INFO reply went out inside the window; it is not bus traffic.
        netOutBytes: counters.netOutBytes - from.netOutBytes - startReplyBytes,
      };
      return { cpuUs: last.cpuUs, wallUs };
    },
    last: (): RedisWindow => {
      if (!last) throw new Error('redis meter: no window measured yet');
      return last;
    },
  };
  return {
    url: redis.url,
    meter,
    async stop() {
      await client.close().catch(() => client.destroy());
      await redis.stop();
    },
  };
}
