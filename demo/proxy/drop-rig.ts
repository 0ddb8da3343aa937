/**
 * Mode 4's rig: client → TCP cutter → nginx (close-delimited responses) → our server, with one
 * endpoint per `onDroppedResponse` policy, and what every cut needs: a client connected through
 * the cutter, the connection carrying its stream, whether it came back after the cut, and how
 * the session ended on both sides.
 */
import type { CloseInfo } from '../../server';
import { RECEIVING_TRANSPORTS } from './attempts';
import type { ClientCloseEvent, ClientSession } from './client';
import { startedStreaming } from './cut-response';
import { TcpCutter, type CutterConnection } from './cutter';
import type { NginxProcess } from './nginx';
import {
  exchangeNumbered,
  nextServerSession,
  openClient,
  startProxy,
  startServer,
  type Counters,
  type ScenarioContext,
} from './rig';
import type { SequenceCheck } from './sequence';
import type { ScenarioServer, SessionRecord } from './server';

export type DropPolicy = 'interrupt' | 'resume-if-idle' | 'resume';
export type CutKind = 'idle stream' | 'carrying stream' | 'ended stream' | 'waiting poll';

export interface DropCellResult {
  policy: DropPolicy;
  cut: CutKind;
  transport: string;
  /** What the cut response had carried: `prelude + 1 heartbeat`, `o + 12 frames`, `nothing (no status line)`. */
  cutCarried: string;
  /** The client still open, on the same server session, after the cut. */
  survived: boolean;
  clientClose: ClientCloseEvent | undefined;
  serverClose: CloseInfo | undefined;
  /** Receiving requests of the session that went through the cutter (each one for the same session id). */
  receivingRequests: number;
  /** Server sessions the client had: 1 = the same session all along. */
  serverSessions: number;
  /** Sequence checks over the whole session, when it survived. */
  echoes?: SequenceCheck;
  pushes?: SequenceCheck;
  received?: SequenceCheck;
  /** Pushes after the cut, once the client was back (must all arrive). */
  afterCut?: SequenceCheck;
  /** Pushes in the frame the cutter swallowed when it cut (carrying-stream cells). */
  inFlight?: number[];
  /** `resume` with a frame in flight: the pushes that never arrived. */
  lost?: number[];
  /** Ended-stream cell: the server got the message, its echo never reached the client. */
  echoLostSilently?: boolean;
}

export interface DropRig {
  server: ScenarioServer;
  nginx: NginxProcess;
  cutter: TcpCutter;
}

export async function startDropRig(ctx: ScenarioContext): Promise<DropRig> {
  const policies: DropPolicy[] = ['interrupt', 'resume-if-idle', 'resume'];
  // Heartbeats every 500 ms show that a stream which carried only heartbeats counts as idle;
  // `disconnectDelay` 3 s is how long the server waits for the client to come back.
  const server = await startServer(
    ctx,
    policies.map((policy) => ({
      prefix: `/${policy}`,
      options: { onDroppedResponse: policy, heartbeatDelay: 500, disconnectDelay: 3000, responseLimit: 4096 },
    })),
  );
  const nginx = await startProxy(ctx, 'close-delimited', server.port);
  const cutter = ctx.stack.use(await TcpCutter.start(nginx.port, ctx.bus), 'cutter', (c) => c.close());
  ctx.log?.(`cutter on ${cutter.url} -> nginx ${nginx.url}`);
  return { server, nginx, cutter };
}

export interface Connected {
  /** The recorder's session count before the client connected. */
  index: number;
  client: ClientSession;
  record: SessionRecord;
  prefix: string;
  counters: Counters;
}

export async function connectThroughCutter(
  ctx: ScenarioContext,
  rig: DropRig,
  policy: DropPolicy,
  transport: string,
): Promise<Connected> {
  const prefix = `/${policy}`;
  const index = rig.server.recorder(prefix).sessions.length;
  const client = openClient(ctx, `${transport} on ${prefix}`, `${rig.cutter.url}${prefix}`, {
    transports: [transport],
    timeout: 10_000,
  });
  await client.opened(15_000);
  const record = await nextServerSession(ctx, rig.server, prefix, index);
  const counters: Counters = new Map();
  await exchangeNumbered(ctx, [{ client, record, server: rig.server, prefix }], counters, 5, 0);
  return { index, client, record, prefix, counters };
}

/** The open connection carrying the session's current stream (or poll). */
export function currentReceiver(
  rig: DropRig,
  sessionId: string,
  transport: 'xhr_streaming' | 'xhr',
): CutterConnection | undefined {
  return rig.cutter
    .openWith(`/${sessionId}/${transport}`)
    .find((c) => c.current?.path.endsWith(`/${transport}`) === true);
}

/** After a cut: has the client made a new receiving request that got its answer started? */
export function cameBack(rig: DropRig, sessionId: string, afterSeq: number): boolean {
  return rig.cutter.exchangesWith(`/${sessionId}/xhr_streaming`).some((e) => e.seq > afterSeq && startedStreaming(e));
}

/**
 * Waits until the client has come back for the same session after a cut (and `also()` holds), failing
 * at once if the client closed instead.
 */
export async function untilCameBack(
  ctx: ScenarioContext,
  rig: DropRig,
  c: Connected,
  afterSeq: number,
  what = 'the client to come back for the same session',
  also: () => boolean = () => true,
): Promise<void> {
  await ctx.bus.when(
    () => {
      const closed = c.client.closeEvent;
      if (closed) throw new Error(`${c.client.name} closed after the cut: ${closed.code} ${closed.reason}`);
      return cameBack(rig, c.record.id, afterSeq) && also();
    },
    what,
    10_000,
  );
}

/** Five more numbered messages each way on the connected client's session. */
export async function exchangeAgain(ctx: ScenarioContext, rig: DropRig, c: Connected): Promise<void> {
  await exchangeNumbered(
    ctx,
    [{ client: c.client, record: c.record, server: rig.server, prefix: c.prefix }],
    c.counters,
    5,
    0,
  );
}

export function sessionOutcome(
  rig: DropRig,
  c: Connected,
): Pick<DropCellResult, 'clientClose' | 'serverClose' | 'receivingRequests' | 'serverSessions'> {
  const requests = rig.cutter
    .exchangesWith(`/${c.record.id}/`)
    .filter((e) => RECEIVING_TRANSPORTS.has(e.path.split('/').pop() ?? ''));
  return {
    clientClose: c.client.closeEvent,
    serverClose: c.record.closed,
    receivingRequests: requests.length,
    // Sessions opened since this client connected: 1 — every request after the cut went to the same one.
    serverSessions: rig.server.recorder(c.prefix).sessions.length - c.index,
  };
}

/** A closed session: both sides must have seen the close. */
export async function closedBothSides(ctx: ScenarioContext, c: Connected): Promise<void> {
  await ctx.bus.when(
    () => c.client.closeEvent !== undefined && c.record.closed !== undefined,
    `${c.client.name} to close on both sides`,
    10_000,
    () => `client ${c.client.closeEvent?.code ?? 'open'}, server ${c.record.closed?.code ?? 'open'}`,
  );
}
