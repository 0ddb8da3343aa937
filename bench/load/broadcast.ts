/**
 * Broadcast fan-out: one session sends a burst of messages to /broadcast; the next burst goes when
 * every session (the sender too) has every message. Ops are deliveries; latency is from the send to
 * each delivery.
 */
import { BurstLoop } from './bursts';
import { closeAll, openMany, type Load } from './open';
import type { ClientSession, Target, Transport } from './session';

export interface BroadcastArgs {
  target: Target;
  transport: Transport;
  sessions: number;
  burst: number;
  size: number;
  sources: number;
}

export async function startBroadcast(args: BroadcastArgs): Promise<Load> {
  const loop = new BurstLoop({
    burst: args.burst,
    size: args.size,
    sender: () => {
      const live = opened.sessions.filter((session) => session.isOpen);
      const sender: ClientSession | undefined = live[0];
      if (!sender) return 'no session left to send';
      return { receivers: live.length, send: (body) => sender.send(body) };
    },
  });

  const opened = await openMany({
    transport: args.transport,
    target: args.target,
    service: 'broadcast',
    count: args.sessions,
    concurrency: 100,
    sources: args.sources,
    timeoutMs: 60_000,
    listener: () => ({
      messages: (messages) => {
        loop.frame();
        loop.received(messages);
      },
      lost: (why) => loop.lost(why),
    }),
  });
  if (opened.failed > 0)
    throw new Error(`broadcast: ${opened.failed} of ${args.sessions} sessions failed to open: ${opened.lastError}`);
  // Subscriptions are in place once every session is open; give the server a moment all the same.
  await new Promise((resolve) => setTimeout(resolve, 200));
  loop.next();

  return {
    mark: () => loop.mark(),
    collect: () => loop.collect({ sessions: opened.sessions.length }),
    async close() {
      loop.stop();
      await closeAll(opened.sessions);
    },
  };
}
