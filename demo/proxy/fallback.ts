/**
 * Modes 1 and 2 of the proxy scenarios, transport fallback: our server behind nginx that does
 * not pass `Upgrade`, or that buffers responses, and one sockjs-client session (Node, not
 * restricted to any transport) through it. It must end on the transport the proxy leaves it, and
 * messages must flow.
 */
import type { CloseInfo } from '../../server';
import { accessLogEntries, receivingRequests, type AccessLogEntry, type Attempt } from './attempts';
import type { NginxMode } from './nginx';
import { exchangeNumbered, openClient, startProxy, startServer, type ScenarioContext } from './rig';
import { checkSequence, type SequenceCheck } from './sequence';
import { echoServiceSpec } from './server';

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
  bodyBytesToClient: AccessLogEntry[];
  /** Echoes of the numbered messages sent once open. */
  echoes: SequenceCheck;
  /** The sessions our server opened (one per transport tried past the handshake) and how they ended. */
  serverSessions: Array<{ transport: string; closed: CloseInfo | undefined }>;
}

async function fallback(
  ctx: ScenarioContext,
  mode: NginxMode,
  options: { timeout: number; transports?: string[]; openWithin: number },
): Promise<FallbackResult> {
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
    `the server's ${endedOn} session`,
    5000,
  );
  await exchangeNumbered(ctx, [{ client, record, server, prefix: echo.prefix }], new Map(), 10, 0);
  const attempts = receivingRequests(server.requests, echo.prefix);
  // nginx writes an access log line when a request ends: the abandoned streams ended when the
  // client gave up on them (or will, at the latest, when the server's session ends).
  const streamingEntries = accessLogEntries(nginx, echo.prefix).filter(
    (e) => e.transport !== 'xhr' && e.transport !== 'websocket',
  );
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
