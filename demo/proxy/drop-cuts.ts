/**
 * Mode 4's cuts, one cell each: what the cutter drops (a stream that carried only heartbeats, a
 * stream with a frame in flight, a stream the server had just ended, a waiting poll), and what
 * the client and the server made of it under one `onDroppedResponse` policy.
 */
import { receivingRequests } from './attempts';
import { describeCarried, heartbeatsOnly, messagesIn } from './cut-response';
import {
  closedBothSides,
  connectThroughCutter,
  currentReceiver,
  exchangeAgain,
  sessionOutcome,
  type DropCellResult,
  type DropPolicy,
  type DropRig,
  untilCameBack,
} from './drop-rig';
import type { ScenarioContext } from './rig';
import { checkSequence, numbered, numbersOf } from './sequence';

/**
 * Cut a stream that has carried nothing but heartbeats: make the stream recycle (a message
 * larger than `responseLimit` ends it), wait for the client's next stream to carry the prelude
 * and a heartbeat, then cut that connection. sockjs-client sees its 200 end, as after every
 * recycle, and asks again for the same session.
 */
export async function cutIdleStream(ctx: ScenarioContext, rig: DropRig, policy: DropPolicy): Promise<DropCellResult> {
  const c = await connectThroughCutter(ctx, rig, policy, 'xhr-streaming');
  const id = c.record.id;
  c.client.send('r' + 'x'.repeat(4200));
  const idle = await ctx.bus.until(
    () => {
      const connection = currentReceiver(rig, id, 'xhr_streaming');
      const current = connection?.current;
      if (!connection || !current || !c.client.messages.some((m) => m.startsWith('r'))) return undefined;
      const heartbeats = heartbeatsOnly(current);
      return heartbeats !== undefined && heartbeats >= 1 ? { connection, exchange: current, heartbeats } : undefined;
    },
    'a recycled stream that has carried a heartbeat',
    10_000,
  );
  const cutCarried = describeCarried(idle.exchange);
  idle.connection.cut();
  ctx.log?.(`${policy}: cut the idle stream (${cutCarried})`);
  const result: DropCellResult = {
    policy,
    cut: 'idle stream',
    transport: 'xhr-streaming',
    cutCarried,
    survived: false,
    ...sessionOutcome(rig, c),
  };
  if (policy === 'interrupt') {
    await closedBothSides(ctx, c);
    return { ...result, ...sessionOutcome(rig, c) };
  }
  await untilCameBack(ctx, rig, c, idle.exchange.seq);
  await exchangeAgain(ctx, rig, c);
  const counter = c.counters.get(c.client) ?? { c: 0, s: 0 };
  return {
    ...result,
    ...sessionOutcome(rig, c),
    survived: c.client.isOpen && c.record.closed === undefined,
    echoes: checkSequence(c.client.messages, 'c', counter.c),
    pushes: checkSequence(c.client.messages, 's', counter.s),
    received: checkSequence(c.record.received, 'c', counter.c),
  };
}

/**
 * Cut a stream with a frame in flight: while the server pushes a message every few ms, the cutter
 * is told to drop the connection when the next message frame comes down from nginx — swallowing
 * it, as a proxy that dies with data in its buffers. With `resume` the client comes back and
 * pushes go on; the swallowed frame's messages are lost (at-most-once), nothing arrives twice or
 * out of order. The other policies close the session (the response had carried frames).
 */
export async function cutCarryingStream(
  ctx: ScenarioContext,
  rig: DropRig,
  policy: DropPolicy,
): Promise<DropCellResult> {
  const c = await connectThroughCutter(ctx, rig, policy, 'xhr-streaming');
  const id = c.record.id;
  const recorder = rig.server.recorder(c.prefix);
  const counter = c.counters.get(c.client) ?? { c: 0, s: 0 };
  let p = 0;
  // A traffic generator, not a wait: one push every 5 ms until told to stop.
  const pusher = setInterval(() => recorder.push(c.record, numbered('p', ++p)), 5);
  try {
    const { stream, exchangeAtCut } = await ctx.bus.until(
      () => {
        if (numbersOf(c.client.messages, 'p').length < 10) return undefined;
        const connection = currentReceiver(rig, id, 'xhr_streaming');
        return connection?.current ? { stream: connection, exchangeAtCut: connection.current } : undefined;
      },
      '10 pushes on the stream',
      10_000,
    );
    stream.cutOnDown((text) => text.includes('a["p'));
    await ctx.bus.when(() => !stream.open, 'the cut with a frame in flight', 10_000);
    const inFlight = numbersOf(messagesIn(stream.swallowed ?? ''), 'p');
    const cutCarried = `${describeCarried(exchangeAtCut)}, then a frame in flight (${inFlight.map((n) => `p${n}`).join(', ')})`;
    ctx.log?.(`${policy}: cut the stream with a frame in flight: ${cutCarried}`);
    const result: DropCellResult = {
      policy,
      cut: 'carrying stream',
      transport: 'xhr-streaming',
      cutCarried,
      survived: false,
      inFlight,
      ...sessionOutcome(rig, c),
    };
    if (policy !== 'resume') {
      await closedBothSides(ctx, c);
      return { ...result, ...sessionOutcome(rig, c) };
    }
    const before = numbersOf(c.client.messages, 'p').length;
    await untilCameBack(
      ctx,
      rig,
      c,
      exchangeAtCut.seq,
      'pushes to flow again after the cut',
      () => numbersOf(c.client.messages, 'p').length >= before + 10,
    );
    clearInterval(pusher);
    // Then a last exchange both ways, and pushes marked `t`: every one of them must arrive.
    for (let i = 1; i <= 5; i++) recorder.push(c.record, numbered('t', i));
    await exchangeAgain(ctx, rig, c);
    await ctx.bus.when(() => numbersOf(c.client.messages, 't').length >= 5, 'the last pushes', 10_000);
    const pushes = checkSequence(c.client.messages, 'p', p);
    return {
      ...result,
      ...sessionOutcome(rig, c),
      survived: c.client.isOpen && c.record.closed === undefined,
      echoes: checkSequence(c.client.messages, 'c', counter.c),
      pushes,
      received: checkSequence(c.record.received, 'c', counter.c),
      afterCut: checkSequence(c.client.messages, 't', 5),
      lost: pushes.missing,
    };
  } finally {
    clearInterval(pusher);
  }
}

/**
 * The limit of every policy: a drop after the server has ended the response. A message larger
 * than `responseLimit` is echoed — its frame ends the stream — and the cutter drops the
 * connection when that frame comes down, swallowing it. The server had written the frame and
 * ended the response before the drop (the bytes had left it, nginx had read them), so there is
 * no dropped response for `onDroppedResponse` to judge; to the client, behind a proxy that
 * delimits bodies by closing, the stream simply ended, as every recycled stream does. It comes
 * back, the session goes on — and the echo is lost, whatever the policy ('interrupt' included).
 * SockJS has no acknowledgements; only the application can notice.
 */
export async function cutEndedStream(ctx: ScenarioContext, rig: DropRig, policy: DropPolicy): Promise<DropCellResult> {
  const c = await connectThroughCutter(ctx, rig, policy, 'xhr-streaming');
  const id = c.record.id;
  const stream = currentReceiver(rig, id, 'xhr_streaming');
  if (!stream?.current) throw new Error('no stream to cut');
  const exchangeAtCut = stream.current;
  stream.cutOnDown((text) => text.includes('["r'));
  c.client.send('r' + 'x'.repeat(4200));
  await ctx.bus.when(() => !stream.open, 'the cut of the last frame of the response', 10_000);
  const cutCarried = `${describeCarried(exchangeAtCut)}, then the frame that ended the response`;
  ctx.log?.(`${policy}: cut the stream as its last frame came down`);
  await untilCameBack(ctx, rig, c, exchangeAtCut.seq);
  await exchangeAgain(ctx, rig, c);
  const counter = c.counters.get(c.client) ?? { c: 0, s: 0 };
  return {
    policy,
    cut: 'ended stream',
    transport: 'xhr-streaming',
    cutCarried,
    ...sessionOutcome(rig, c),
    survived: c.client.isOpen && c.record.closed === undefined,
    echoes: checkSequence(c.client.messages, 'c', counter.c),
    pushes: checkSequence(c.client.messages, 's', counter.s),
    received: checkSequence(c.record.received, 'c', counter.c),
    echoLostSilently:
      c.record.received.some((m) => m.startsWith('r')) && !c.client.messages.some((m) => m.startsWith('r')),
  };
}

/**
 * Cut an xhr-polling request while it waits for a frame (the server has it, nothing written yet:
 * idle by any measure). The client gets no status line at all: sockjs-client counts that as a
 * failure (status 0, "permanent") and closes with 1006, whatever the server would allow. Nobody
 * comes back, and the server's session ends after `disconnectDelay`.
 */
export async function cutWaitingPoll(ctx: ScenarioContext, rig: DropRig, policy: DropPolicy): Promise<DropCellResult> {
  const c = await connectThroughCutter(ctx, rig, policy, 'xhr-polling');
  const id = c.record.id;
  const poll = await ctx.bus.until(
    () => {
      const connection = currentReceiver(rig, id, 'xhr');
      const current = connection?.current;
      if (!connection || !current || current.downBytes > 0) return undefined;
      // The server has this very poll: as many polls arrived there as went through the cutter.
      const atCutter = rig.cutter.exchangesWith(`/${id}/xhr`).filter((e) => e.path.endsWith('/xhr')).length;
      const atServer = receivingRequests(rig.server.requests, c.prefix).filter(
        (a) => a.sessionId === id && a.transport === 'xhr',
      ).length;
      return atCutter === atServer ? connection : undefined;
    },
    'a waiting poll',
    10_000,
  );
  poll.cut();
  ctx.log?.(`${policy}: cut a waiting poll`);
  await ctx.bus.when(
    () => c.client.closeEvent !== undefined && c.record.closed !== undefined,
    'the client to give up and the server session to end',
    15_000,
  );
  return {
    policy,
    cut: 'waiting poll',
    transport: 'xhr-polling',
    cutCarried: 'nothing (no status line)',
    survived: false,
    ...sessionOutcome(rig, c),
  };
}
