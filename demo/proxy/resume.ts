/**
 * The loss/duplication harness: through nginx in each hostile mode, thousands of numbered
 * messages both ways — client → server (each echoed by the handler) and server pushes — while the
 * connections are cut several times (by the TCP cutter, or by nginx's idle cut in idle-cut mode),
 * and what arrived: lost, duplicated, out of order, how many server sessions the handler saw, how
 * many drops and reconnects the client saw. Run for the unmodified sockjs-client and for our
 * SockJsSocket with and without the resume extension.
 */
import type { EventSourceConstructor } from '../../client';
import { ownClientHarness, sockjsClientHarness, type HarnessClient } from './resume-clients';
import { infoOffersResume } from './resume-options';
import {
  CutDriver,
  HARNESS_HEARTBEAT_MS,
  HARNESS_IDLE_SECONDS,
  runPrefix,
  type CutKind,
  type ResumeRig,
  type ResumeRun,
} from './resume-rig';
import type { ScenarioContext } from './rig';
import { checkSequence, numbered, type SequenceCheck } from './sequence';
import type { SessionRecord } from './server';
import { DeadlineError } from './wait';

export interface HarnessOptions {
  /** Numbered messages each way. Default 3000. */
  messages?: number;
  /** Messages each way per tick. Default 3. */
  perTick?: number;
  /** Ms between ticks: the rate (3 per 10 ms = 300 a second each way, a 10 s run). Default 10. */
  tickMs?: number;
  /** Cuts spread over the run, at even message counts. Default 4. */
  cuts?: number;
  /** After the last message: how long nothing may arrive before what is missing counts as lost. Default 3000. */
  settleQuietMs?: number;
  /** For our client in Node (eventsource transport); without it eventsource is skipped. */
  EventSource?: EventSourceConstructor;
}

export interface HarnessResult {
  run: ResumeRun;
  client: string;
  /** /info offered resume (a key naming it). */
  infoOffersResume: boolean;
  durationMs: number;
  /** Numbers the client sent, and the server pushed (pushes only go to an open session). */
  sent: { toServer: number; toClient: number };
  /** What the handler received (all its sessions, in order). */
  toServer: SequenceCheck;
  /** Server pushes at the client. */
  toClient: SequenceCheck;
  /** Echoes of the client's messages at the client (the round trip). */
  echoes: SequenceCheck;
  /** Server sessions of transports the client tried and gave up on before it opened (not counted below). */
  abandonedAttempts: number;
  /** The handler's view: sessions opened for this run since the client opened, and how many it saw closed before the end. */
  serverSessions: { opened: number; closedBeforeEnd: number; closes: string[] };
  /** The client's view. */
  clientView: {
    drops: number;
    failedAttempts: number;
    reconnects: number;
    resumes: number;
    transports: readonly string[];
    close: string | undefined;
  };
  /** Cuts that happened during the run: by the cutter (by kind), or by nginx's idle cut. */
  cuts: { total: number; receiving: number; sending: number; idle: number };
  /** Ticks the harness could not send (client not open) or push (no open server session). */
  skippedTicks: { send: number; push: number };
}

/**
 * sockjs-client's `timeout` per transport: as in mode 2, long enough that a loaded machine does not
 * time out a transport that works, short enough that the buffered ones fail fast.
 */
const SOCKJS_CLIENT_TIMEOUT = 3000;

/** The client's session on the server now: its latest session that is still open. */
function openRecord(sessions: readonly SessionRecord[]): SessionRecord | undefined {
  for (let i = sessions.length - 1; i >= 0; i--) {
    const record = sessions[i];
    if (record && record.closed === undefined) return record;
  }
  return undefined;
}

function paceTick(ms: number): Promise<void> {
  // The harness's send rate, not a wait for something: every wait for an outcome is on the bus.
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type EndView = Pick<HarnessResult, 'serverSessions' | 'clientView'>;

function endView(client: HarnessClient, sessions: readonly SessionRecord[]): EndView {
  const closes = sessions.flatMap((s) => (s.closed ? [`${s.closed.code} ${s.closed.reason}`] : []));
  return {
    serverSessions: { opened: sessions.length, closedBeforeEnd: closes.length, closes },
    clientView: {
      drops: client.drops,
      failedAttempts: client.failedAttempts,
      reconnects: client.reconnects,
      resumes: client.resumes,
      transports: [...client.transports],
      close: client.closeEvent ? `${client.closeEvent.code} ${client.closeEvent.reason}` : undefined,
    },
  };
}

/**
 * After the last message: waits until everything sent has arrived, the client is gone, or nothing
 * arrived for `quietMs` (what is missing then is lost). Returns both sides' view as of the last
 * arrival: a quiet wait longer than nginx's idle cut gets the idle connection cut again, which is
 * no part of the run.
 */
async function settle(
  ctx: ScenarioContext,
  client: HarnessClient,
  sessions: () => SessionRecord[],
  toClient: number,
  toServer: number,
  quietMs: number,
): Promise<EndView> {
  const receivedAtServer = (): number => sessions().reduce((sum, s) => sum + s.received.length, 0);
  const arrived = (): number => client.messages.length + receivedAtServer();
  const complete = (): boolean => client.messages.length >= toClient && receivedAtServer() >= toServer;
  let view = endView(client, sessions());
  while (!complete() && !client.finished) {
    const seen = arrived();
    try {
      await ctx.bus.when(() => complete() || client.finished || arrived() > seen, 'more messages', quietMs);
    } catch (error) {
      if (error instanceof DeadlineError) return view;
      throw error;
    }
    view = endView(client, sessions());
  }
  return view;
}

/** One run: a client of `run`'s kind through the rig, the numbered traffic with its cuts, the counts. */
export async function runHarness(
  ctx: ScenarioContext,
  rig: ResumeRig,
  run: ResumeRun,
  options: HarnessOptions = {},
): Promise<HarnessResult> {
  const total = options.messages ?? 3000;
  const perTick = options.perTick ?? 3;
  const tickMs = options.tickMs ?? 10;
  const cutCount = options.cuts ?? 4;
  const settleQuietMs = options.settleQuietMs ?? 3000;
  const prefix = runPrefix(run);
  const url = `${rig.baseUrl}${prefix}`;
  const recorder = rig.server.recorder(prefix);
  const before = recorder.sessions.length;
  const offersResume = await infoOffersResume(url);
  const started = Date.now();

  const client: HarnessClient =
    run === 'sockjs-client'
      ? sockjsClientHarness(ctx, url, SOCKJS_CLIENT_TIMEOUT)
      : ctx.stack.use(
          ownClientHarness(ctx.bus, url, {
            resume: run === 'own-resume',
            heartbeatInterval: HARNESS_HEARTBEAT_MS,
            ...(options.EventSource ? { EventSource: options.EventSource } : {}),
          }),
          run,
          (c) => c.close(),
        );
  const transport = await client.opened(30_000);
  // The client's session is the latest on the transport it opened on; any before it were transports
  // it tried and gave up on (buffering mode: xhr-streaming, eventsource), no part of the run.
  const first = await ctx.bus.until(
    () => {
      for (let i = recorder.sessions.length - 1; i >= before; i--)
        if (recorder.sessions[i]?.transport === transport) return i;
      return undefined;
    },
    `the server's ${transport} session`,
    10_000,
  );
  const sessions = (): SessionRecord[] => recorder.sessions.slice(first);
  const abandonedAttempts = first - before;
  ctx.log?.(`${client.name} open on ${transport} (${abandonedAttempts} transport(s) given up on before)`);

  const cutter = rig.cutter ? new CutDriver(rig.cutter, prefix) : undefined;
  let idleCuts = 0;
  let sentC = 0;
  let sentS = 0;
  const skipped = { send: 0, push: 0 };
  // Spread over the first part of the run: the last cut still has traffic left to land on.
  const cutPoints = Array.from({ length: cutCount }, (_, k) => Math.round((total * (k + 1)) / (cutCount + 2)));
  const maxTicks = Math.ceil(total / perTick) * 2;

  // Idle-cut mode: at each cut point nothing either way (heartbeats are far apart) until nginx has cut.
  const idleUntilCut = async (): Promise<void> => {
    const before = client.drops;
    await ctx.bus.when(
      () => client.finished || client.drops > before,
      `nginx to cut ${client.name}'s idle connection`,
      HARNESS_IDLE_SECONDS * 1000 + 10_000,
    );
    if (client.drops > before) idleCuts++;
    ctx.log?.(`idle cut ${idleCuts} after ${sentC} messages`);
  };

  for (let tick = 0; tick < maxTicks && !client.finished && (sentC < total || sentS < total); tick++) {
    while (cutPoints.length && sentC >= (cutPoints[0] ?? Infinity)) {
      cutPoints.shift();
      if (cutter) cutter.request();
      else await idleUntilCut();
    }
    if (client.finished) break;
    for (let i = 0; i < perTick && sentC < total; i++) {
      if (!client.trySend(numbered('c', sentC + 1))) {
        skipped.send++;
        break;
      }
      sentC++;
    }
    const record = openRecord(sessions());
    for (let i = 0; i < perTick && sentS < total; i++) {
      if (!record || !recorder.push(record, numbered('s', sentS + 1))) {
        skipped.push++;
        break;
      }
      sentS++;
    }
    cutter?.tick();
    await paceTick(tickMs);
  }
  ctx.log?.(`sent ${sentC} and pushed ${sentS}; settling`);

  const view = await settle(ctx, client, sessions, sentC + sentS, sentC, settleQuietMs);
  const done = cutter?.done ?? [];
  const byKind = (kind: CutKind): number => done.filter((cut) => cut.kind === kind).length;
  const result: HarnessResult = {
    run,
    client: client.name,
    infoOffersResume: offersResume,
    durationMs: Date.now() - started,
    sent: { toServer: sentC, toClient: sentS },
    toServer: checkSequence(
      sessions().flatMap((s) => s.received),
      'c',
      sentC,
    ),
    toClient: checkSequence(client.messages, 's', sentS),
    echoes: checkSequence(client.messages, 'c', sentC),
    abandonedAttempts,
    ...view,
    cuts: { total: done.length + idleCuts, receiving: byKind('receiving'), sending: byKind('sending'), idle: idleCuts },
    skippedTicks: skipped,
  };
  client.close();
  return result;
}
