/**
 * Idle memory: websocket and xhr-streaming sessions held open and idle; the server's RSS and heap
 * after a full GC, minus the same before the sessions opened, per session; and the server's CPU
 * while it holds them before any heartbeat is due. A fresh server each time.
 */
import { measure, record, serverMemory, sleep, withServer, type Context } from '../harness';
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
