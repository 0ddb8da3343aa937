/**
 * Idle memory: websocket and xhr-streaming sessions held open and idle; the server's RSS and heap
 * after a full GC, minus the same before the sessions opened, per session; and the server's CPU
 * while it holds them before any heartbeat is due. A fresh server each time.
 *
 * Right after the opening burst, V8's young generation has grown (up to 32 MiB here, more with
 * more garbage made per session set up) and a full GC does not shrink it: the RSS figure carries
 * that. V8's memory reducer shrinks it by itself once the process has allocated little for ~8 s;
 * `reducedAfterMs` after the opening the RSS is sampled again ("RSS once idle"), the figure a
 * server holding idle sessions settles at. The target is on the first figure (as the issue's).
 */
import { measure, record, serverMemory, sleep, withServer, type Context, type RunningServer } from '../harness';
import type { MemorySample } from '../servers/control';
import type { HoldArgs } from '../load/hold';
import type { LoadSample } from '../load/open';
import type { Transport } from '../load/session';
import { transportsOf } from './echo';

const GC_SETTLE_MS = 1000;

export async function runIdleMemory(ctx: Context): Promise<void> {
  const p = ctx.profile.idle;
  const counts: Record<string, number> = { websocket: p.websocket, 'xhr-streaming': p.xhrStreaming };
  const wanted: Transport[] = ['websocket', 'xhr-streaming'];
  for (const transport of wanted) {
    for (let rep = 1; rep <= ctx.profile.reps; rep++) {
      for (const kind of ctx.servers.filter((k) => transportsOf(ctx, k, [transport]).length > 0)) {
        const count = counts[transport] ?? 0;
        await withServer(ctx, kind, { heartbeatDelay: 25_000, disconnectDelay: 5_000 }, 'idle', async (server) => {
          const before = await serverMemory(server);
          const args: HoldArgs = { target: server.target, transport, count, sources: 0, offset: 0 };
          await ctx.generator.call('hold', args, 120_000);
          const opened = performance.now();
          try {
            await sleep(p.settleMs);
            const after = await serverMemory(server);
            // What holding idle sessions costs when no heartbeat is due yet (default 25 s delay):
            // the server's own housekeeping, e.g. timers or a periodic sweep over all sessions.
            // After a pause, so that V8's background work from the forced GC is not in it.
            await sleep(GC_SETTLE_MS);
            const window = await measure(server, [ctx.generator], p.cpuWindowMs);
            const held = window.samples[0] ?? (await ctx.generator.call<LoadSample>('collect'));
            const idleCpuPct = (window.cpu.cpuUs / window.cpu.wallUs) * 100;
            const reduced = p.reducedAfterMs > 0 ? await afterIdle(server, opened + p.reducedAfterMs) : undefined;
            const per = (delta: number): number => delta / count / 1024;
            record(
              ctx,
              { scenario: 'idle-memory', transport, label: `${count} sessions` },
              kind,
              {
                rssKiBPerSession: per(after.rss - before.rss),
                heapKiBPerSession: per(after.heapUsed - before.heapUsed),
                externalKiBPerSession: per(after.external - before.external),
                rssMiB: after.rss / 1024 / 1024,
                ...(reduced ? { idleRssKiBPerSession: per(reduced.rss - before.rss) } : {}),
                open: held.extra.open ?? 0,
                serverSessions: after.sessions,
                idleCpuPctPer10k: (idleCpuPct * 10_000) / count,
                errors: held.errors,
              },
              held.lastError,
            );
          } finally {
            await ctx.generator.call('close');
          }
        });
      }
    }
  }
}

/** The server's memory once it has sat idle until `at` (performance.now() time), with a full GC. */
async function afterIdle(server: RunningServer, at: number): Promise<MemorySample> {
  await sleep(Math.max(0, at - performance.now()));
  return serverMemory(server);
}
