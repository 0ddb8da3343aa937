/**
 * The proxy scenarios, shared by `npm run demo:proxy` (which prints the results) and
 * test/proxy/ (which asserts them). Each one starts our server, a real nginx in one hostile mode
 * (and, for dropped connections, the TCP cutter in front of it) and unmodified sockjs-client
 * sessions in Node, and returns what happened: the transport the client ended on, every message
 * checked, close codes on both sides. Everything started goes on `ctx.stack`; the caller releases
 * it (the tests in `after`, so nginx is stopped even when an assertion failed).
 */
import type { CloseInfo } from '../../server';
import { ClientSession, type ClientCloseEvent, type ClientOptions } from './client';
import { TcpCutter, type CutterConnection, type Exchange } from './cutter';
import { startNginx, type NginxMode, type NginxProcess } from './nginx';
import { checkSequence, numbered, numbersOf, type SequenceCheck } from './sequence';
import { echoServiceSpec, startScenarioServer, type EndpointSpec, type RequestRecord, type ScenarioServer, type SessionRecord } from './server';
import type { ChangeBus, Stack } from './wait';

export interface ScenarioContext {
  readonly bus: ChangeBus;
  /** Everything a scenario starts is put here; the caller disposes of it. */
  readonly stack: Stack;
  /** nginx binary; default /usr/sbin/nginx (or `NGINX`). */
  readonly nginxBin?: string;
  /** Progress, one line at a time (the demo prints it). */
  readonly log?: (line: string) => void;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

async function startServer(ctx: ScenarioContext, specs: readonly EndpointSpec[]): Promise<ScenarioServer> {
  const server = await startScenarioServer(ctx.bus, specs);
  return ctx.stack.use(server, 'server', (s) => s.close());
}

async function startProxy(ctx: ScenarioContext, mode: NginxMode, upstreamPort: number, idleSeconds?: number): Promise<NginxProcess> {
  const nginx = await startNginx({
    mode,
    upstreamPort,
    ...(ctx.nginxBin === undefined ? {} : { bin: ctx.nginxBin }),
    ...(idleSeconds === undefined ? {} : { idleSeconds }),
  });
  ctx.log?.(`nginx (${mode}) pid ${String(nginx.pid)} on ${nginx.url} -> 127.0.0.1:${upstreamPort}, prefix ${nginx.prefix}`);
  return ctx.stack.use(nginx, `nginx ${mode}`, (n) => n.stop());
}

function openClient(ctx: ScenarioContext, name: string, url: string, options: ClientOptions): ClientSession {
  return ctx.stack.use(new ClientSession(name, url, options, ctx.bus), name, (client) => client.close());
}

/** `/echo/123/abcd/xhr_streaming?t=1` → `{ sessionId: 'abcd', transport: 'xhr_streaming' }` for a session URL of `prefix`. */
export function sessionUrl(url: string, prefix: string): { sessionId: string; transport: string } | undefined {
  const path = url.split('?')[0] ?? '';
  if (!path.startsWith(`${prefix}/`)) return undefined;
  const parts = path.slice(prefix.length + 1).split('/');
  if (parts.length !== 3) return undefined;
  const [, sessionId, transport] = parts;
  if (sessionId === undefined || transport === undefined) return undefined;
  return { sessionId, transport };
}

const RECEIVING = new Set(['websocket', 'xhr_streaming', 'eventsource', 'htmlfile', 'xhr', 'jsonp']);

export interface Attempt {
  /** The transport path: websocket, xhr_streaming, eventsource, xhr... */
  transport: string;
  sessionId: string;
  /** The status our server answered (undefined: none yet, or the connection closed before). */
  status: number | undefined;
  /** The response is complete. */
  ended: boolean;
  /** The connection closed before the response was complete. */
  dropped: boolean;
}

/** The receiving requests (not xhr_send, not /info) of `prefix` that reached our server, in order. */
export function receivingRequests(requests: readonly RequestRecord[], prefix: string): Attempt[] {
  const attempts: Attempt[] = [];
  for (const request of requests) {
    const parsed = sessionUrl(request.url, prefix);
    if (!parsed || !RECEIVING.has(parsed.transport)) continue;
    attempts.push({ ...parsed, status: request.status, ended: request.ended, dropped: request.dropped });
  }
  return attempts;
}

/** The recorder's next session (the one a client opening now gets). */
async function nextServerSession(ctx: ScenarioContext, server: ScenarioServer, prefix: string, index: number, ms = 10_000): Promise<SessionRecord> {
  const recorder = server.recorder(prefix);
  return ctx.bus.until(() => recorder.sessions[index], ms, `the server to open a session on ${prefix}`);
}

/** Sends `count` numbered messages from the client and as many pushes from the server; waits for all of them. */
async function exchange(
  ctx: ScenarioContext,
  pairs: ReadonlyArray<{ client: ClientSession; record: SessionRecord; server: ScenarioServer; prefix: string }>,
  counters: Map<ClientSession, { c: number; s: number }>,
  count: number,
  padding: number,
  ms = 10_000,
): Promise<void> {
  for (const { client, record, server, prefix } of pairs) {
    const counter = counters.get(client) ?? { c: 0, s: 0 };
    counters.set(client, counter);
    for (let i = 0; i < count; i++) client.send(numbered('c', ++counter.c, padding));
    for (let i = 0; i < count; i++) server.recorder(prefix).push(record, numbered('s', ++counter.s, padding));
  }
  await ctx.bus.when(
    () =>
      pairs.every(({ client, record }) => {
        if (client.closeEvent) throw new Error(`${client.name} closed: ${client.closeEvent.code} ${client.closeEvent.reason}`);
        const counter = counters.get(client) ?? { c: 0, s: 0 };
        return (
          last(numbersOf(client.messages, 'c')) === counter.c &&
          last(numbersOf(client.messages, 's')) === counter.s &&
          last(numbersOf(record.received, 'c')) === counter.c
        );
      }),
    ms,
    `${count} messages each way on ${pairs.map((p) => p.client.name).join(', ')}`,
    () => pairs.map(({ client }) => `${client.name}: ${client.messages.length} in`).join('; '),
  );
}

function last(numbers: readonly number[]): number | undefined {
  return numbers[numbers.length - 1];
}

// ---------------------------------------------------------------------------------------------
// Modes 1 and 2: transport fallback

export interface FallbackResult {
  mode: NginxMode;
  proxyUrl: string;
  /** sockjs-client's `transports` option, if restricted. */
  transports: string[] | undefined;
  /** sockjs-client's `timeout` option. */
  timeout: number;
  /** The transport sockjs-client opened on. */
  endedOn: string;
  /** Ms from `new SockJS()` to open. */
  openMs: number;
  /** What reached our server, in order: every transport sockjs-client tried. */
  attempts: Attempt[];
  /** Of the streaming attempts: the bytes of response body nginx sent the client (its access log). */
  bodyBytesToClient: Array<{ transport: string; status: number; bytes: number }>;
  /** Echoes of the numbered messages sent once open. */
  echoes: SequenceCheck;
  /** The sessions our server opened (one per transport tried past the handshake) and how they ended. */
  serverSessions: Array<{ transport: string; closed: CloseInfo | undefined }>;
}

/** nginx's access log lines for the session transports: path, status, body bytes sent to the client. */
function accessLogEntries(nginx: NginxProcess, prefix: string): Array<{ transport: string; status: number; bytes: number }> {
  const entries: Array<{ transport: string; status: number; bytes: number }> = [];
  for (const line of nginx.accessLog().split('\n')) {
    const match = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d+) (\d+)/.exec(line);
    if (!match) continue;
    const parsed = sessionUrl(match[2] ?? '', prefix);
    if (!parsed || !RECEIVING.has(parsed.transport)) continue;
    entries.push({ transport: parsed.transport, status: Number(match[3]), bytes: Number(match[4]) });
  }
  return entries;
}

async function fallback(ctx: ScenarioContext, mode: NginxMode, options: { timeout: number; transports?: string[]; openWithin: number }): Promise<FallbackResult> {
  const echo = echoServiceSpec();
  const server = await startServer(ctx, [echo]);
  const nginx = await startProxy(ctx, mode, server.port);
  const url = `${nginx.url}${echo.prefix}`;
  const started = Date.now();
  const client = openClient(ctx, `sockjs-client via nginx (${mode})`, url, {
    timeout: options.timeout,
    ...(options.transports ? { transports: options.transports } : {}),
  });
  const endedOn = await client.opened(options.openWithin);
  const openMs = Date.now() - started;
  ctx.log?.(`client open on ${endedOn} after ${openMs} ms`);
  const record = await ctx.bus.until(
    () => server.recorder(echo.prefix).sessions.find((s) => s.transport === endedOn),
    5000,
    `the server's ${endedOn} session`,
  );
  await exchange(ctx, [{ client, record, server, prefix: echo.prefix }], new Map(), 10, 0);
  const attempts = receivingRequests(server.requests, echo.prefix);
  // nginx writes an access log line when a request ends: the abandoned streams ended when the
  // client gave up on them (or will, at the latest, when the server's session ends).
  const streamingEntries = accessLogEntries(nginx, echo.prefix).filter((e) => e.transport !== 'xhr' && e.transport !== 'websocket');
  return {
    mode,
    proxyUrl: url,
    transports: options.transports,
    timeout: options.timeout,
    endedOn,
    openMs,
    attempts,
    bodyBytesToClient: streamingEntries,
    echoes: checkSequence(client.messages, 'c', 10),
    serverSessions: server.recorder(echo.prefix).sessions.map((s) => ({ transport: s.transport, closed: s.closed })),
  };
}

/**
 * Mode 1: nginx without `proxy_set_header Upgrade/Connection`. sockjs-client (no `transports`
 * restriction; in Node it tries websocket first) gets 400 on the websocket handshake and falls
 * back to xhr-streaming, which nginx passes unbuffered.
 */
export function noUpgradeScenario(ctx: ScenarioContext): Promise<FallbackResult> {
  return fallback(ctx, 'no-upgrade', { timeout: 5000, openWithin: 30_000 });
}

/**
 * Mode 2: nginx buffering responses. websocket fails as in mode 1; xhr-streaming opens on the
 * server but nothing of it reaches the client, so sockjs-client times it out and tries the next;
 * xhr-polling (a response per frame) works. The client is not restricted (Node's set: websocket,
 * xhr-streaming, eventsource, xhr-polling). `timeout` 3000 instead of the RTT-derived ~600 ms,
 * so that a loaded machine does not time out a transport that works; the whole fallback takes
 * about that long, not twice: sockjs-client 1.6.1 does not clear the timer of a transport that
 * failed early (websocket, at once), so that timer ends xhr-streaming 3 s after websocket began,
 * and xhr-streaming's own timer then ends eventsource a few ms after it started.
 */
export function bufferingScenario(ctx: ScenarioContext): Promise<FallbackResult> {
  return fallback(ctx, 'buffering', { timeout: 3000, openWithin: 30_000 });
}

// ---------------------------------------------------------------------------------------------
// Mode 3: a proxy that cuts idle connections

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

  const pairs: Array<{ client: ClientSession; record: SessionRecord; server: ScenarioServer; prefix: string }> = [];
  for (const transport of transports) {
    const client = openClient(ctx, `${transport} (heartbeat ${heartbeatDelay} ms)`, `${nginx.url}${alive}`, { transports: [transport], timeout: 10_000 });
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
  ctx.log?.(`open: ${pairs.map((p) => p.client.openedOn ?? '?').join(', ')}, and the contrast on ${slowClient.openedOn ?? '?'}`);

  const counters = new Map<ClientSession, { c: number; s: number }>();
  const idlePhasesMs: number[] = [];
  const padding = 150;
  const burst = async (withContrast: boolean): Promise<void> => {
    const all = withContrast ? [...pairs, { client: slowClient, record: slowRecord, server, prefix: slow }] : pairs;
    for (let step = 0; step < 10; step++) await exchange(ctx, all, counters, 5, padding);
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
          if (client.closeEvent) throw new Error(`${client.name} closed while idle: ${client.closeEvent.code} ${client.closeEvent.reason}`);
          return client.heartbeats >= (heartbeatsBefore.get(client) ?? 0) + heartbeatsPerIdle;
        }),
      heartbeatDelay * heartbeatsPerIdle + 10_000,
      `${heartbeatsPerIdle} heartbeats on every session while idle`,
      () => pairs.map(({ client }) => `${client.name}: ${client.heartbeats} heartbeats`).join('; '),
    );
    idlePhasesMs.push(Date.now() - idleStart);
    ctx.log?.(`idle ${idlePhasesMs.length}: ${idlePhasesMs[idlePhasesMs.length - 1] ?? 0} ms, heartbeats only`);
    if (round === 1) {
      // By now nginx has cut the contrast session's idle stream (it saw nothing for idleSeconds).
      await ctx.bus.when(() => slowRecord.closed !== undefined, idleSeconds * 1000 + 10_000, 'the contrast session to be cut');
      ctx.log?.(`contrast: the server closed it with ${slowRecord.closed?.code ?? '?'} after ${(slowRecord.closedAt ?? 0) - contrastLastMessageAt} ms idle`);
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

// ---------------------------------------------------------------------------------------------
// Mode 4: the connection dropped mid-stream

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

export interface DropResult {
  cells: DropCellResult[];
  durationMs: number;
}

const XHR_STREAMING_PRELUDE = 'h'.repeat(2048) + '\n';

/** The body of a close-delimited response as far as the cutter saw it (from its head). */
function bodyOf(exchange: Exchange): string | undefined {
  const end = exchange.head.indexOf('\r\n\r\n');
  return end < 0 ? undefined : exchange.head.slice(end + 4);
}

/** How many heartbeats a fresh stream carried, if it carried nothing else (after the prelude). */
function heartbeatsOnly(exchange: Exchange): number | undefined {
  const body = bodyOf(exchange);
  if (body === undefined || !body.startsWith(XHR_STREAMING_PRELUDE)) return undefined;
  const rest = body.slice(XHR_STREAMING_PRELUDE.length);
  return /^(h\n)*$/.test(rest) ? rest.length / 2 : undefined;
}

/** `o + 12 frames` */
function describeCarried(exchange: Exchange): string {
  const body = bodyOf(exchange) ?? '';
  const frames = body.startsWith(XHR_STREAMING_PRELUDE) ? body.slice(XHR_STREAMING_PRELUDE.length).split('\n').filter(Boolean) : body.split('\n').filter(Boolean);
  const opened = frames[0] === 'o' ? 1 : 0;
  const heartbeats = frames.filter((f) => f === 'h').length;
  const messageFrames = frames.length - heartbeats - opened;
  const parts = [opened ? 'o' : '', plural(messageFrames, 'message frame'), plural(heartbeats, 'heartbeat')].filter(Boolean);
  return `prelude + ${parts.length ? parts.join(' + ') : 'nothing'}${exchange.downBytes > exchange.head.length ? ' (and more)' : ''}`;
}

/** `3 heartbeats`, `1 heartbeat`, '' for none. */
function plural(count: number, noun: string): string {
  return count === 0 ? '' : `${count} ${noun}${count === 1 ? '' : 's'}`;
}

interface DropRig {
  server: ScenarioServer;
  nginx: NginxProcess;
  cutter: TcpCutter;
}

async function startDropRig(ctx: ScenarioContext): Promise<DropRig> {
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

interface Connected {
  /** The recorder's session count before the client connected. */
  index: number;
  client: ClientSession;
  record: SessionRecord;
  prefix: string;
  counters: Map<ClientSession, { c: number; s: number }>;
}

async function connectThroughCutter(ctx: ScenarioContext, rig: DropRig, policy: DropPolicy, transport: string): Promise<Connected> {
  const prefix = `/${policy}`;
  const index = rig.server.recorder(prefix).sessions.length;
  const client = openClient(ctx, `${transport} on ${prefix}`, `${rig.cutter.url}${prefix}`, { transports: [transport], timeout: 10_000 });
  await client.opened(15_000);
  const record = await nextServerSession(ctx, rig.server, prefix, index);
  const counters = new Map<ClientSession, { c: number; s: number }>();
  await exchange(ctx, [{ client, record, server: rig.server, prefix }], counters, 5, 0);
  return { index, client, record, prefix, counters };
}

/** The open connection carrying the session's current stream (or poll). */
function currentReceiver(rig: DropRig, sessionId: string, transport: 'xhr_streaming' | 'xhr'): CutterConnection | undefined {
  return rig.cutter.openWith(`/${sessionId}/${transport}`).find((c) => c.current?.path.endsWith(`/${transport}`) === true);
}

/** After a cut: has the client made a new receiving request that got its answer started? */
function cameBack(rig: DropRig, sessionId: string, afterSeq: number): boolean {
  return rig.cutter.exchangesWith(`/${sessionId}/xhr_streaming`).some((e) => e.seq > afterSeq && (bodyOf(e) ?? '').startsWith(XHR_STREAMING_PRELUDE));
}

function sessionOutcome(rig: DropRig, c: Connected): Pick<DropCellResult, 'clientClose' | 'serverClose' | 'receivingRequests' | 'serverSessions'> {
  const requests = rig.cutter.exchangesWith(`/${c.record.id}/`).filter((e) => RECEIVING.has(e.path.split('/').pop() ?? ''));
  return {
    clientClose: c.client.closeEvent,
    serverClose: c.record.closed,
    receivingRequests: requests.length,
    // Sessions opened since this client connected: 1 — every request after the cut went to the same one.
    serverSessions: rig.server.recorder(c.prefix).sessions.length - c.index,
  };
}

/** A closed session: both sides must have seen the close. */
async function closedBothSides(ctx: ScenarioContext, c: Connected): Promise<void> {
  await ctx.bus.when(
    () => c.client.closeEvent !== undefined && c.record.closed !== undefined,
    10_000,
    `${c.client.name} to close on both sides`,
    () => `client ${c.client.closeEvent?.code ?? 'open'}, server ${c.record.closed?.code ?? 'open'}`,
  );
}

/**
 * Cut a stream that has carried nothing but heartbeats: make the stream recycle (a message
 * larger than `responseLimit` ends it), wait for the client's next stream to carry the prelude
 * and a heartbeat, then cut that connection. sockjs-client sees its 200 end, as after every
 * recycle, and asks again for the same session.
 */
async function cutIdleStream(ctx: ScenarioContext, rig: DropRig, policy: DropPolicy): Promise<DropCellResult> {
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
    10_000,
    'a recycled stream that has carried a heartbeat',
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
  await ctx.bus.when(
    () => {
      if (c.client.closeEvent) throw new Error(`${c.client.name} closed after the cut: ${c.client.closeEvent.code} ${c.client.closeEvent.reason}`);
      return cameBack(rig, id, idle.exchange.seq);
    },
    10_000,
    'the client to come back for the same session',
  );
  await exchange(ctx, [{ client: c.client, record: c.record, server: rig.server, prefix: c.prefix }], c.counters, 5, 0);
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
async function cutCarryingStream(ctx: ScenarioContext, rig: DropRig, policy: DropPolicy): Promise<DropCellResult> {
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
      10_000,
      '10 pushes on the stream',
    );
    stream.cutOnDown((text) => text.includes('a["p'));
    await ctx.bus.when(() => !stream.open, 10_000, 'the cut with a frame in flight');
    const inFlight = numbersOf(frameMessages(stream.swallowed ?? ''), 'p');
    const cutCarried = `${describeCarried(exchangeAtCut)}, then a frame in flight (${inFlight.map((n) => `p${n}`).join(', ')})`;
    ctx.log?.(`${policy}: cut the stream with a frame in flight: ${cutCarried}`);
    const result: DropCellResult = { policy, cut: 'carrying stream', transport: 'xhr-streaming', cutCarried, survived: false, inFlight, ...sessionOutcome(rig, c) };
    if (policy !== 'resume') {
      await closedBothSides(ctx, c);
      return { ...result, ...sessionOutcome(rig, c) };
    }
    const before = numbersOf(c.client.messages, 'p').length;
    await ctx.bus.when(
      () => {
        if (c.client.closeEvent) throw new Error(`${c.client.name} closed after the cut: ${c.client.closeEvent.code} ${c.client.closeEvent.reason}`);
        return cameBack(rig, id, exchangeAtCut.seq) && numbersOf(c.client.messages, 'p').length >= before + 10;
      },
      10_000,
      'pushes to flow again after the cut',
    );
    clearInterval(pusher);
    // Then a last exchange both ways, and pushes marked `t`: every one of them must arrive.
    for (let i = 1; i <= 5; i++) recorder.push(c.record, numbered('t', i));
    await exchange(ctx, [{ client: c.client, record: c.record, server: rig.server, prefix: c.prefix }], c.counters, 5, 0);
    await ctx.bus.when(() => numbersOf(c.client.messages, 't').length >= 5, 10_000, 'the last pushes');
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

/** The messages of the `a[...]` frames in a piece of a response (whole frames only). */
export function frameMessages(text: string): string[] {
  const messages: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('a[')) continue;
    try {
      const parsed: unknown = JSON.parse(line.slice(1));
      if (Array.isArray(parsed)) for (const m of parsed) if (typeof m === 'string') messages.push(m);
    } catch {
      // A frame cut in two: not a whole one.
    }
  }
  return messages;
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
async function cutEndedStream(ctx: ScenarioContext, rig: DropRig, policy: DropPolicy): Promise<DropCellResult> {
  const c = await connectThroughCutter(ctx, rig, policy, 'xhr-streaming');
  const id = c.record.id;
  const stream = currentReceiver(rig, id, 'xhr_streaming');
  if (!stream?.current) throw new Error('no stream to cut');
  const exchangeAtCut = stream.current;
  stream.cutOnDown((text) => text.includes('["r'));
  c.client.send('r' + 'x'.repeat(4200));
  await ctx.bus.when(() => !stream.open, 10_000, 'the cut of the last frame of the response');
  const cutCarried = `${describeCarried(exchangeAtCut)}, then the frame that ended the response`;
  ctx.log?.(`${policy}: cut the stream as its last frame came down`);
  await ctx.bus.when(
    () => {
      if (c.client.closeEvent) throw new Error(`${c.client.name} closed after the cut: ${c.client.closeEvent.code} ${c.client.closeEvent.reason}`);
      return cameBack(rig, id, exchangeAtCut.seq);
    },
    10_000,
    'the client to come back for the same session',
  );
  await exchange(ctx, [{ client: c.client, record: c.record, server: rig.server, prefix: c.prefix }], c.counters, 5, 0);
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
    echoLostSilently: c.record.received.some((m) => m.startsWith('r')) && !c.client.messages.some((m) => m.startsWith('r')),
  };
}

/**
 * Cut an xhr-polling request while it waits for a frame (the server has it, nothing written yet:
 * idle by any measure). The client gets no status line at all: sockjs-client counts that as a
 * failure (status 0, "permanent") and closes with 1006, whatever the server would allow. Nobody
 * comes back, and the server's session ends after `disconnectDelay`.
 */
async function cutWaitingPoll(ctx: ScenarioContext, rig: DropRig, policy: DropPolicy): Promise<DropCellResult> {
  const c = await connectThroughCutter(ctx, rig, policy, 'xhr-polling');
  const id = c.record.id;
  const poll = await ctx.bus.until(
    () => {
      const connection = currentReceiver(rig, id, 'xhr');
      const current = connection?.current;
      if (!connection || !current || current.downBytes > 0) return undefined;
      // The server has this very poll: as many polls arrived there as went through the cutter.
      const atCutter = rig.cutter.exchangesWith(`/${id}/xhr`).filter((e) => e.path.endsWith('/xhr')).length;
      const atServer = receivingRequests(rig.server.requests, c.prefix).filter((a) => a.sessionId === id && a.transport === 'xhr').length;
      return atCutter === atServer ? connection : undefined;
    },
    10_000,
    'a waiting poll',
  );
  poll.cut();
  ctx.log?.(`${policy}: cut a waiting poll`);
  await ctx.bus.when(
    () => c.client.closeEvent !== undefined && c.record.closed !== undefined,
    15_000,
    'the client to give up and the server session to end',
  );
  return { policy, cut: 'waiting poll', transport: 'xhr-polling', cutCarried: 'nothing (no status line)', survived: false, ...sessionOutcome(rig, c) };
}

/**
 * Mode 4: client → TCP cutter → nginx (close-delimited responses) → server. For each
 * `onDroppedResponse` policy, the same two cuts on xhr-streaming (sockjs-client restricted to it:
 * the cut is of a stream): a stream that carried only heartbeats (right after a recycle), and a
 * stream with frames in flight. Then two limits: a drop just after the server ended a response
 * (unseen by any policy), and a waiting xhr-polling request (the client gives up).
 */
export async function droppedConnectionScenario(ctx: ScenarioContext): Promise<DropResult> {
  const started = Date.now();
  const rig = await startDropRig(ctx);
  const cells: DropCellResult[] = [];
  for (const policy of ['interrupt', 'resume-if-idle', 'resume'] as const) {
    cells.push(await cutIdleStream(ctx, rig, policy));
    cells.push(await cutCarryingStream(ctx, rig, policy));
  }
  cells.push(await cutEndedStream(ctx, rig, 'interrupt'));
  cells.push(await cutWaitingPoll(ctx, rig, 'resume-if-idle'));
  return { cells, durationMs: Date.now() - started };
}

/** The cells one at a time, for tests that want one assertion each. */
export const dropCells = { startDropRig, cutIdleStream, cutCarryingStream, cutEndedStream, cutWaitingPoll };
