/**
 * Echo: 1 and 50 sessions, 32 B and 1 KiB messages, `window` in flight per session, on websocket,
 * xhr-streaming and xhr-polling (bare ws: websocket only). Server CPU per message echoed. Every
 * cell is measured on each server in turn, `reps` times.
 */
import { lastError, measure, record, sleep, windowMetrics, withServers, type Context } from '../harness';
import type { EchoArgs } from '../load/echo';
import type { Transport } from '../load/session';
import type { ServerKind } from '../results';

const TRANSPORTS: readonly Transport[] = ['websocket', 'xhr-streaming', 'xhr-polling'];

export function sizeLabel(bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** The transports a server is measured on: bare ws has only websocket; --transports narrows. */
export function transportsOf(ctx: Context, server: ServerKind, wanted: readonly Transport[]): Transport[] {
  return wanted.filter((t) => (server !== 'bare-ws' || t === 'websocket') && ctx.transports.includes(t));
}

export async function runEcho(ctx: Context): Promise<void> {
  const { echo, reps } = ctx.profile;
  await withServers(ctx, { heartbeatDelay: 25_000, disconnectDelay: 5_000 }, 'echo', async (servers) => {
    for (const transport of TRANSPORTS) {
      const serving = servers.filter((s) => transportsOf(ctx, s.kind, [transport]).length > 0);
      for (const sessions of echo.sessions) {
        for (const size of echo.sizes) {
          const label = `${sessions} × ${sizeLabel(size)}`;
          for (let rep = 1; rep <= reps; rep++) {
            for (const server of serving) {
              const args: EchoArgs = { target: server.target, transport, sessions, size, window: echo.window };
              await ctx.generator.call('echo', args, 60_000);
              try {
                await sleep(echo.warmMs);
                const window = await measure(server, [ctx.generator], echo.measureMs);
                record(
                  ctx,
                  { scenario: 'echo', transport, label },
                  server.kind,
                  windowMetrics(window),
                  lastError(window),
                );
              } finally {
                await ctx.generator.call('close');
              }
            }
          }
        }
      }
    }
  });
}
