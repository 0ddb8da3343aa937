/**
 * What every proxy scenario stands on: the context it runs in, and the servers, nginx and
 * sockjs-client sessions it starts — each put on `ctx.stack`, which the caller disposes of (the
 * tests in `after`, so nginx is stopped even when an assertion failed) — and the numbered
 * message exchange every scenario checks.
 */
import { ClientSession, type ClientOptions } from './client';
import { startNginx, type NginxMode, type NginxProcess } from './nginx';
import { numbered, numbersOf } from './sequence';
import { startScenarioServer, type EndpointSpec, type ScenarioServer, type SessionRecord } from './server';
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

/** Our server with these endpoints. */
export async function startServer(ctx: ScenarioContext, specs: readonly EndpointSpec[]): Promise<ScenarioServer> {
  const server = await startScenarioServer(ctx.bus, specs);
  return ctx.stack.use(server, 'server', (s) => s.close());
}

/** nginx in `mode` in front of our server. */
export async function startProxy(
  ctx: ScenarioContext,
  mode: NginxMode,
  upstreamPort: number,
  idleSeconds?: number,
): Promise<NginxProcess> {
  const nginx = await startNginx({
    mode,
    upstreamPort,
    ...(ctx.nginxBin === undefined ? {} : { bin: ctx.nginxBin }),
    ...(idleSeconds === undefined ? {} : { idleSeconds }),
  });
  ctx.log?.(
    `nginx (${mode}) pid ${String(nginx.pid)} on ${nginx.url} -> 127.0.0.1:${upstreamPort}, prefix ${nginx.prefix}`,
  );
  return ctx.stack.use(nginx, `nginx ${mode}`, (n) => n.stop());
}

/** An unmodified sockjs-client session (Node) to `url`. */
export function openClient(ctx: ScenarioContext, name: string, url: string, options: ClientOptions): ClientSession {
  return ctx.stack.use(new ClientSession(name, url, options, ctx.bus), name, (client) => client.close());
}

/** The recorder's next session (the one a client opening now gets). */
export async function nextServerSession(
  ctx: ScenarioContext,
  server: ScenarioServer,
  prefix: string,
  index: number,
  ms = 10_000,
): Promise<SessionRecord> {
  const recorder = server.recorder(prefix);
  return ctx.bus.until(() => recorder.sessions[index], `the server to open a session on ${prefix}`, ms);
}

/** A sockjs-client session and the server's side of it. */
export interface SessionPair {
  client: ClientSession;
  record: SessionRecord;
  server: ScenarioServer;
  prefix: string;
}

/** The last numbers sent so far, per client: `c` client → server, `s` server pushes. */
export type Counters = Map<ClientSession, { c: number; s: number }>;

/**
 * Sends `count` numbered messages from each client and as many pushes from the server, going on
 * from `counters`; waits until every one of them has arrived (echoes, pushes, and at the server).
 */
export async function exchangeNumbered(
  ctx: ScenarioContext,
  pairs: readonly SessionPair[],
  counters: Counters,
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
        if (client.closeEvent)
          throw new Error(`${client.name} closed: ${client.closeEvent.code} ${client.closeEvent.reason}`);
        const counter = counters.get(client) ?? { c: 0, s: 0 };
        return (
          last(numbersOf(client.messages, 'c')) === counter.c &&
          last(numbersOf(client.messages, 's')) === counter.s &&
          last(numbersOf(record.received, 'c')) === counter.c
        );
      }),
    `${count} messages each way on ${pairs.map((p) => p.client.name).join(', ')}`,
    ms,
    () => pairs.map(({ client }) => `${client.name}: ${client.messages.length} in`).join('; '),
  );
}

function last(numbers: readonly number[]): number | undefined {
  return numbers[numbers.length - 1];
}
