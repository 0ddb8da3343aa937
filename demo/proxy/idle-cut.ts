/**
 * Mode 3 of the proxy scenarios: nginx cutting connections idle for `idleSeconds`, and sessions
 * whose heartbeats keep them alive through idle phases longer than the cut — and one whose
 * heartbeats are too slow, which is cut.
 */
import type { CloseInfo } from '../../server';
import { receivingRequests } from './attempts';
import type { ClientCloseEvent } from './client';
import {
  exchangeNumbered,
  nextServerSession,
  openClient,
  startProxy,
  startServer,
  type Counters,
  type ScenarioContext,
  type SessionPair,
} from './rig';
import { checkSequence, type SequenceCheck } from './sequence';

export interface IdleSessionResult {
  transport: string;
  /** Client → server → client: every numbered message echoed. */
  echoes: SequenceCheck;
  /** Server → client pushes. */
  pushes: SequenceCheck;
  /** Client → server, as the handler got them. */
  received: SequenceCheck;
  heartbeats: number;
  /** Receiving requests the session used (streams recycled at `responseLimit`, polls); 1 for websocket. */
  receivingRequests: number;
  /** The server's sessions for this client: 1 means it never had to reconnect. */
  serverSessions: number;
  clientClose: ClientCloseEvent | undefined;
  serverClose: CloseInfo | undefined;
}

export interface IdleCutResult {
  idleSeconds: number;
  heartbeatDelay: number;
  responseLimit: number;
  durationMs: number;
  /** The idle phases: ms without a message, each longer than the cut. */
  idlePhasesMs: number[];
  sessions: IdleSessionResult[];
  contrast: {
    heartbeatDelay: number;
    transport: string;
    serverClose: CloseInfo | undefined;
    /** Ms from the session's last message to the server's close. */
    closedAfterIdleMs: number | undefined;
    /** sockjs-client's readyState when the server had closed (1: it did not notice). */
    clientReadyState: number;
    clientClose: ClientCloseEvent | undefined;
  };
}

export interface IdleCutOptions {
  /** nginx's idle cut, s. Default 2. */
  idleSeconds?: number;
  /** Heartbeats of the sessions that survive, ms. Default 1000. */
  heartbeatDelay?: number;
  /** Heartbeats of the contrast session, ms (longer than the cut). Default 10 000. */
  slowHeartbeatDelay?: number;
  /** Transports run at once. Default websocket, xhr-streaming, xhr-polling. */
  transports?: string[];
  /** Bursts of traffic, with idle phases between them. Default 4. */
  bursts?: number;
  /** Heartbeats each client must see in an idle phase (so it lasts longer than the cut). Default 3. */
  heartbeatsPerIdle?: number;
}

/**
 * Mode 3: nginx cuts connections idle for `idleSeconds`. Clients on websocket, xhr-streaming and
 * xhr-polling (each forced, all at once) exchange numbered messages both ways — echoes and server
 * pushes, padded so the streams reach `responseLimit` (4096) and are recycled often — in bursts,
 * with idle phases in between that last until each client has seen `heartbeatsPerIdle`
 * heartbeats, i.e. longer than the cut: only the heartbeats keep the sessions alive then. Every
 * message must arrive exactly once, in order. At the same time a contrast session whose heartbeat
 * is longer than the cut is cut by nginx in the first idle phase.
 */
export async function idleCutScenario(ctx: ScenarioContext, options: IdleCutOptions = {}): Promise<IdleCutResult> {
  const idleSeconds = options.idleSeconds ?? 2;
  const heartbeatDelay = options.heartbeatDelay ?? 1000;
  const slowHeartbeatDelay = options.slowHeartbeatDelay ?? 10_000;
  const transports = options.transports ?? ['websocket', 'xhr-streaming', 'xhr-polling'];
  const bursts = options.bursts ?? 4;
  const heartbeatsPerIdle = options.heartbeatsPerIdle ?? 3;
  const responseLimit = 4096;
  const alive = '/alive';
  const slow = '/slow-heartbeat';
  const server = await startServer(ctx, [
    { prefix: alive, options: { heartbeatDelay, responseLimit } },
    { prefix: slow, options: { heartbeatDelay: slowHeartbeatDelay, responseLimit } },
  ]);
  const nginx = await startProxy(ctx, 'idle-cut', server.port, idleSeconds);
  const started = Date.now();

  const pairs: SessionPair[] = [];
  for (const transport of transports) {
    const client = openClient(ctx, `${transport} (heartbeat ${heartbeatDelay} ms)`, `${nginx.url}${alive}`, {
      transports: [transport],
      timeout: 10_000,
    });
    await client.opened(15_000);
    const record = await nextServerSession(ctx, server, alive, pairs.length);
    pairs.push({ client, record, server, prefix: alive });
  }
  const slowClient = openClient(ctx, `xhr-streaming (heartbeat ${slowHeartbeatDelay} ms)`, `${nginx.url}${slow}`, {
    transports: ['xhr-streaming'],
    timeout: 10_000,
  });
  await slowClient.opened(15_000);
  const slowRecord = await nextServerSession(ctx, server, slow, 0);
  ctx.log?.(
    `open: ${pairs.map((p) => p.client.openedOn ?? '?').join(', ')}, and the contrast on ${slowClient.openedOn ?? '?'}`,
  );

  const counters: Counters = new Map();
  const idlePhasesMs: number[] = [];
  const padding = 150;
  const burst = async (withContrast: boolean): Promise<void> => {
    const all: SessionPair[] = withContrast
      ? [...pairs, { client: slowClient, record: slowRecord, server, prefix: slow }]
      : pairs;
    for (let step = 0; step < 10; step++) await exchangeNumbered(ctx, all, counters, 5, padding);
  };

  let contrastLastMessageAt = 0;
  for (let round = 1; round <= bursts; round++) {
    await burst(round === 1);
    if (round === 1) contrastLastMessageAt = Date.now();
    const sent = pairs.map(({ client }) => counters.get(client)?.c ?? 0);
    ctx.log?.(`burst ${round}: ${Math.min(...sent)} messages each way so far per session`);
    if (round === bursts) break;
    // Idle: no message either way until every client has had `heartbeatsPerIdle` heartbeats —
    // longer than nginx's cut, so only the heartbeats keep the connections busy.
    const idleStart = Date.now();
    const heartbeatsBefore = new Map(pairs.map(({ client }) => [client, client.heartbeats]));
    await ctx.bus.when(
      () =>
        pairs.every(({ client }) => {
          if (client.closeEvent)
            throw new Error(`${client.name} closed while idle: ${client.closeEvent.code} ${client.closeEvent.reason}`);
          return client.heartbeats >= (heartbeatsBefore.get(client) ?? 0) + heartbeatsPerIdle;
        }),
      `${heartbeatsPerIdle} heartbeats on every session while idle`,
      heartbeatDelay * heartbeatsPerIdle + 10_000,
      () => pairs.map(({ client }) => `${client.name}: ${client.heartbeats} heartbeats`).join('; '),
    );
    idlePhasesMs.push(Date.now() - idleStart);
    ctx.log?.(`idle ${idlePhasesMs.length}: ${idlePhasesMs[idlePhasesMs.length - 1] ?? 0} ms, heartbeats only`);
    if (round === 1) {
      // By now nginx has cut the contrast session's idle stream (it saw nothing for idleSeconds).
      await ctx.bus.when(
        () => slowRecord.closed !== undefined,
        'the contrast session to be cut',
        idleSeconds * 1000 + 10_000,
      );
      ctx.log?.(
        `contrast: the server closed it with ${slowRecord.closed?.code ?? '?'} after ${(slowRecord.closedAt ?? 0) - contrastLastMessageAt} ms idle`,
      );
    }
  }
  const durationMs = Date.now() - started;

  const sessions = pairs.map(({ client, record }): IdleSessionResult => {
    const counter = counters.get(client) ?? { c: 0, s: 0 };
    const attempts = receivingRequests(server.requests, alive).filter((a) => a.sessionId === record.id);
    // sockjs-client reports the xhr-streaming prelude (a line of 2048 `h`) as a heartbeat too:
    // one per stream, not counted here.
    const preludes = record.transport === 'xhr-streaming' ? attempts.length : 0;
    return {
      transport: client.openedOn ?? '?',
      echoes: checkSequence(client.messages, 'c', counter.c),
      pushes: checkSequence(client.messages, 's', counter.s),
      received: checkSequence(record.received, 'c', counter.c),
      heartbeats: client.heartbeats - preludes,
      receivingRequests: record.transport === 'websocket' ? 1 : attempts.length,
      serverSessions: server.recorder(alive).sessions.filter((s) => s.transport === record.transport).length,
      clientClose: client.closeEvent,
      serverClose: record.closed,
    };
  });
  return {
    idleSeconds,
    heartbeatDelay,
    responseLimit,
    durationMs,
    idlePhasesMs,
    sessions,
    contrast: {
      heartbeatDelay: slowHeartbeatDelay,
      transport: slowClient.openedOn ?? '?',
      serverClose: slowRecord.closed,
      closedAfterIdleMs: slowRecord.closedAt === undefined ? undefined : slowRecord.closedAt - contrastLastMessageAt,
      clientReadyState: slowClient.readyState,
      clientClose: slowClient.closeEvent,
    },
  };
}
