/**
 * Session setup: sessions opened (until `o`) and closed as fast as `concurrency` client loops go, on
 * websocket, xhr-streaming and xhr-polling. Server CPU per session, teardown included: the servers
 * run with a short disconnectDelay so that abandoned HTTP sessions expire inside the window. Each
 * server in turn, `reps` times.
 */
import { lastError, measure, record, sleep, windowMetrics, withServers, type Context } from '../harness';
import type { SetupArgs } from '../load/setup';
import type { Transport } from '../load/session';
import { transportsOf } from './echo';

const TRANSPORTS: readonly Transport[] = ['websocket', 'xhr-streaming', 'xhr-polling'];

export async function runSetup(ctx: Context): Promise<void> {
  const p = ctx.profile.setup;
  const config = { heartbeatDelay: 25_000, disconnectDelay: p.disconnectDelay };
  await withServers(ctx, config, 'setup', async (servers) => {
    for (const transport of TRANSPORTS) {
      const serving = servers.filter((s) => transportsOf(ctx, s.kind, [transport]).length > 0);
      for (let rep = 1; rep <= ctx.profile.reps; rep++) {
        for (const server of serving) {
          const args: SetupArgs = { target: server.target, transport, concurrency: p.concurrency };
          await ctx.generator.call('setup', args);
          try {
            await sleep(p.warmMs);
            const window = await measure(server, [ctx.generator], p.measureMs);
            const label = `${p.concurrency} loops`;
            record(ctx, { scenario: 'setup', transport, label }, server.kind, windowMetrics(window), lastError(window));
          } finally {
            await ctx.generator.call('close');
          }
          // Let the abandoned sessions expire before the next server is measured.
          await sleep(p.disconnectDelay + 300);
        }
      }
    }
  });
}
