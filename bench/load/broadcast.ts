/**
 * Broadcast fan-out: one session sends a burst of messages to /broadcast; the next burst goes when
 * every session (the sender too) has every message, each once and in order. Ops are deliveries;
 * latency is from the send to each delivery. With `others` (cluster-fanout), the sessions are spread
 * evenly over `target` and the other nodes; the sender is on `target`.
 */
import { BurstLoop } from './bursts';
import { closeAll, openMany, type Load, type Opened } from './open';
import type { ClientSession, Target, Transport } from './session';

export interface BroadcastArgs {
  target: Target;
  transport: Transport;
  sessions: number;
  burst: number;
  size: number;
  sources: number;
  /** Further nodes of one cluster to spread the sessions over (the sender stays on `target`). */
  others?: Target[];
}

/** How many of `total` sessions node `node` of `nodes` gets (the first ones one more when it does not divide). */
export function shareOf(total: number, nodes: number, node: number): number {
  return Math.floor(total / nodes) + (node < total % nodes ? 1 : 0);
}

export async function startBroadcast(args: BroadcastArgs): Promise<Load> {
  const sessions: ClientSession[] = [];
  const loop = new BurstLoop({
    burst: args.burst,
    size: args.size,
    sender: () => {
      const live = sessions.filter((session) => session.isOpen);
      // The first sessions are target's: the sender stays there while any of them is open.
      const sender: ClientSession | undefined = live[0];
      if (!sender) return 'no session left to send';
      return { receivers: live.length, send: (body) => sender.send(body) };
    },
  });

  const targets = [args.target, ...(args.others ?? [])];
  let base = 0;
  for (const [node, target] of targets.entries()) {
    const count = shareOf(args.sessions, targets.length, node);
    const first = base;
    const opened: Opened = await openMany({
      transport: args.transport,
      target,
      service: 'broadcast',
      count,
      concurrency: 100,
      sources: args.sources,
      offset: first,
      timeoutMs: 60_000,
      listener: (index) => ({
        messages: (messages) => {
          loop.frame();
          loop.received(messages, first + index);
        },
        lost: (why) => loop.lost(why),
      }),
    });
    sessions.push(...opened.sessions);
    base += count;
    if (opened.failed > 0) {
      await closeAll(sessions);
      throw new Error(`broadcast: ${opened.failed} of ${count} sessions failed to open: ${opened.lastError}`);
    }
  }
  // Subscriptions are in place once every session is open; give the server a moment all the same.
  await new Promise((resolve) => setTimeout(resolve, 200));
  loop.next();

  return {
    mark: () => loop.mark(),
    collect: () => loop.collect({ sessions: sessions.length }),
    async close() {
      loop.stop();
      await closeAll(sessions);
    },
  };
}
