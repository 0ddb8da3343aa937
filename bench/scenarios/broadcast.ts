/**
 * Broadcast fan-out: websocket and xhr-streaming sessions on /broadcast, bursts of messages from
 * one of them to all. Server CPU per delivery.
 */
import { lastError, measure, record, sleep, windowMetrics, withServer, type Context } from '../harness';
import type { BroadcastArgs } from '../load/broadcast';
import type { Transport } from '../load/session';
import { sizeLabel, transportsOf } from './echo';

export async function runBroadcast(ctx: Context): Promise<void> {
  const b = ctx.profile.broadcast;
  const counts: Record<string, number> = { websocket: b.websocket, 'xhr-streaming': b.xhrStreaming };
  const wanted: Transport[] = ['websocket', 'xhr-streaming'];
  for (const transport of wanted) {
    for (let rep = 1; rep <= ctx.profile.reps; rep++) {
      for (const kind of ctx.servers.filter((k) => transportsOf(ctx, k, [transport]).length > 0)) {
        const sessions = counts[transport] ?? 0;
        // A fresh server each time: no session of an earlier run may linger in this one's broadcast.
        await withServer(ctx, kind, { heartbeatDelay: 25_000, disconnectDelay: 5_000 }, 'broadcast', async (server) => {
          const args: BroadcastArgs = {
            target: server.target,
            transport,
            sessions,
            burst: b.burst,
            size: b.size,
            sources: 0,
          };
          await ctx.generator.call('broadcast', args, 90_000);
          try {
            await sleep(b.warmMs);
            const window = await measure(server, [ctx.generator], b.measureMs);
            const label = `${sessions} sessions, bursts of ${b.burst} × ${sizeLabel(b.size)}`;
            record(ctx, { scenario: 'broadcast', transport, label }, kind, windowMetrics(window), lastError(window));
          } finally {
            await ctx.generator.call('close');
          }
        });
      }
    }
  }
}
