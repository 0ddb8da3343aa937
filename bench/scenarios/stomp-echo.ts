/**
 * STOMP point-to-point round trips through the application: `echoClients` clients on our plain
 * websocket endpoint (`/stomp-ws`), each SENDing to `/app/echo` (a `messageMapping` returning the
 * body, `sendToUser: '/queue/echo'`, the sender's session only) and awaiting the reply on its
 * `/user/queue/echo` subscription, `echoWindow` in flight. Server CPU per round trip; beside it, in
 * the same child, the raw endpoint's `/echo` of the same shape (SockJS websocket), for scale.
 */
import { childMeter, lastError, measureWith, record, sleep, windowMetrics, withServer, type Context } from '../harness';
import type { EchoArgs } from '../load/echo';
import type { StompEchoArgs } from '../load/stomp-echo';
import type { Metrics } from '../results';
import { sizeLabel } from './echo';

export async function runStompEcho(ctx: Context): Promise<void> {
  const s = ctx.profile.stomp;
  if (!ctx.servers.includes('ours') || !ctx.transports.includes('websocket')) {
    ctx.log('  stomp-echo needs --servers ours and --transports websocket: skipped');
    return;
  }
  const label = `${s.echoClients} clients × ${s.echoWindow} in flight, ${sizeLabel(s.echoSize)}`;
  for (let rep = 1; rep <= ctx.profile.reps; rep++) {
    await withServer(ctx, 'ours', { heartbeatDelay: 25_000, disconnectDelay: 5_000 }, 'stomp-echo', async (server) => {
      const measureLoad = async (op: string, args: unknown): Promise<Metrics> => {
        await ctx.generator.call(op, args, 90_000);
        try {
          await sleep(s.warmMs);
          const window = await measureWith(childMeter(server), [ctx.generator], s.measureMs);
          const error = lastError(window);
          if (error) ctx.log(`    (${op}, last error: ${error})`);
          return windowMetrics(window);
        } finally {
          await ctx.generator.call('close');
        }
      };
      const rawArgs: EchoArgs = {
        target: server.target,
        transport: 'websocket',
        sessions: s.echoClients,
        size: s.echoSize,
        window: s.echoWindow,
      };
      const raw = await measureLoad('echo', rawArgs);
      const stompArgs: StompEchoArgs = {
        target: { ...server.target, transport: 'websocket', path: '/stomp-ws', vhost: 'localhost' },
        clients: s.echoClients,
        destination: '/app/echo',
        replyTo: '/user/queue/echo',
        window: s.echoWindow,
        size: s.echoSize,
      };
      const stomp = await measureLoad('stompEcho', stompArgs);
      record(ctx, { scenario: 'stomp-echo', transport: 'websocket', label }, 'ours', {
        ...stomp,
        rawOpsPerSec: raw.opsPerSec ?? Number.NaN,
        rawCpuUsPerOp: raw.cpuUsPerOp ?? Number.NaN,
        rawErrors: raw.errors ?? 0,
        vsRaw: (stomp.cpuUsPerOp ?? Number.NaN) / (raw.cpuUsPerOp ?? Number.NaN),
      });
    });
  }
}
