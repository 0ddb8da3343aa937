/**
 * Capacity: many idle websocket and xhr-streaming sessions held at once with heartbeats, spread over
 * several generator processes and loopback source addresses.
 *
 * - Every server: heartbeats every `heartbeatDelay` (short, so that their cost is measurable), in
 *   `windows` consecutive windows (the repetitions): server CPU as % of one core, scaled to the
 *   default 25 s heartbeat, CPU per heartbeat, RSS, and whether every session is still open.
 * - `defaultCheck` servers: the same sessions at default settings, measured over one window of
 *   exactly 25 s starting once all are open, which holds one heartbeat per session — the cost at
 *   the default heartbeat measured rather than scaled (a server whose housekeeping does not scale
 *   with the heartbeat delay, a periodic sweep say, is not well served by the 1/25 scaling).
 */
import { Child } from '../children';
import {
  measure,
  record,
  serverMemory,
  sleep,
  windowMetrics,
  withServer,
  type Context,
  type RunningServer,
  type Window,
} from '../harness';
import type { HoldArgs } from '../load/hold';
import type { LoadSample } from '../load/open';
import type { Transport } from '../load/session';
import type { Metrics, ServerKind } from '../results';
import type { ServerConfig } from '../servers/control';

export const DEFAULT_HEARTBEAT_MS = 25_000;
/** Loopback source addresses (127.0.0.2 ...) the held sessions are spread over. */
const SOURCES = 4;
/** fds a server keeps for itself (listening socket, stdio, IPC, libuv) beyond its sessions. */
const FD_RESERVE = 200;
/**
 * Wait after the opening before the 25 s window at default settings: V8's memory reducer shrinks
 * the heap grown by the opening burst (major GCs over the whole heap) once allocation has been low
 * for ~8 s, a one-off that is not what holding the sessions costs. Every first heartbeat (due 25 s
 * after its session opened) still falls in the window when the opening took under ~12 s.
 */
const DEFAULT_SETTLE_MS = 10_000;

interface Share {
  transport: Transport;
  count: number;
  offset: number;
}

function shares(websocket: number, xhrStreaming: number, perGenerator: number): Share[] {
  const list: Share[] = [];
  for (let offset = 0; offset < websocket; offset += perGenerator) {
    list.push({ transport: 'websocket', count: Math.min(perGenerator, websocket - offset), offset });
  }
  if (xhrStreaming > 0) list.push({ transport: 'xhr-streaming', count: xhrStreaming, offset: websocket });
  return list;
}

export async function runCapacity(ctx: Context): Promise<void> {
  const p = ctx.profile.capacity;
  for (const kind of ctx.servers) {
    ctx.log(`capacity, ${kind}, heartbeat ${p.heartbeatDelay} ms`);
    const config = { heartbeatDelay: p.heartbeatDelay, disconnectDelay: 5_000 };
    await withServer(ctx, kind, config, 'capacity', (server) => hold(ctx, kind, server, config));
  }
  for (const kind of ctx.servers.filter((k) => p.defaultCheck.includes(k))) {
    ctx.log(`capacity, ${kind}, default settings`);
    const config = { heartbeatDelay: DEFAULT_HEARTBEAT_MS, disconnectDelay: 5_000 };
    await withServer(ctx, kind, config, 'capacity-default', (server) => hold(ctx, kind, server, config));
  }
}

async function hold(ctx: Context, kind: ServerKind, server: RunningServer, config: ServerConfig): Promise<void> {
  const p = ctx.profile.capacity;
  const atDefault = config.heartbeatDelay === DEFAULT_HEARTBEAT_MS;
  const before = await serverMemory(server);
  // The fd limit caps what one server process can hold; the same websocket count for every server.
  const room = server.fdLimit - before.fds - FD_RESERVE;
  const websocket = Math.min(p.websocket, room - p.xhrStreaming);
  const xhrStreaming = kind === 'bare-ws' ? 0 : p.xhrStreaming;
  if (websocket < p.websocket) {
    const note = `capacity: ${websocket} websocket sessions held instead of ${p.websocket}: the server process may open ${server.fdLimit} files (hard limit, which cannot be raised here) and needs one per session (+${p.xhrStreaming} xhr-streaming); CPU is also shown scaled to the full count.`;
    if (!ctx.notes.includes(note)) ctx.notes.push(note);
  }
  const held = websocket + xhrStreaming;
  const requested = p.websocket + (kind === 'bare-ws' ? 0 : p.xhrStreaming);
  const plan = shares(websocket, xhrStreaming, p.perGenerator);
  const generators = await Promise.all(
    plan.map((_, i) => Child.spawn(`generator-${i + 2}`, { script: 'load/generator.js' })),
  );
  try {
    const opening = performance.now();
    await Promise.all(
      plan.map((share, i) => {
        const args: HoldArgs = {
          target: server.target,
          transport: share.transport,
          count: share.count,
          sources: SOURCES,
          offset: share.offset,
        };
        return (generators[i] as Child).call('hold', args, 180_000);
      }),
    );
    ctx.log(`  ${held} sessions opened in ${((performance.now() - opening) / 1000).toFixed(1)} s`);
    const windows: Window[] = [];
    const openedIn = performance.now() - opening;
    // A full GC first, so that the windows start from a clean heap (the memory reducer's shrinking
    // comes later still: see DEFAULT_SETTLE_MS).
    await serverMemory(server);
    if (atDefault) {
      // Every session's first heartbeat is due 25 s after its open frame (sent within a little
      // more, by a server that checks periodically), its second 25 s later: so when the opening
      // took under ~12 s, the 25 s that start DEFAULT_SETTLE_MS after it hold exactly one per session.
      await sleep(DEFAULT_SETTLE_MS);
      windows.push(await measure(server, generators, DEFAULT_HEARTBEAT_MS));
      if (openedIn > DEFAULT_HEARTBEAT_MS - DEFAULT_SETTLE_MS - 3000) {
        ctx.notes.push(
          `capacity at default settings (${kind}): opening took ${(openedIn / 1000).toFixed(0)} s, so the 25 s window may not hold exactly one heartbeat per session (see heartbeats per session).`,
        );
      }
    } else {
      await sleep(p.settleMs);
      for (let w = 0; w < p.windows; w++) windows.push(await measure(server, generators, p.windowMs));
    }
    const after = await serverMemory(server);
    const end = await Promise.all(generators.map((g) => g.call<LoadSample>('collect')));
    const open = end.reduce((sum, s) => sum + (s.extra.open ?? 0), 0);
    const lost = end.reduce((sum, s) => sum + s.errors, 0);
    const lastErrors = end
      .map((s) => s.lastError)
      .filter((e) => e !== '')
      .join('; ');
    const label = `${p.websocket} ws + ${p.xhrStreaming} xhr-streaming, heartbeat ${config.heartbeatDelay / 1000} s${atDefault ? ' (default settings)' : ''}`;
    for (const window of windows) {
      const m = windowMetrics(window);
      const cpuPctCore = m.cpuPctCore ?? Number.NaN;
      const seconds = window.cpu.wallUs / 1e6;
      const wsRate = (name: string): number =>
        window.samples.reduce((sum, sample) => sum + (sample.extra[name] ?? 0), 0) / Math.max(1, websocket) / seconds;
      const at25s = atDefault ? cpuPctCore : (cpuPctCore * config.heartbeatDelay) / DEFAULT_HEARTBEAT_MS;
      const metrics: Metrics = {
        held,
        heldWebsocket: websocket,
        heldXhrStreaming: xhrStreaming,
        requestedWebsocket: p.websocket,
        requestedXhrStreaming: kind === 'bare-ws' ? 0 : p.xhrStreaming,
        open,
        dropped: held - open,
        serverSessions: after.sessions,
        heartbeatsPerSessionPerSec: (m.opsPerSec ?? 0) / held,
        heartbeatsPerSessionInWindow: (m.ops ?? 0) / held,
        // How a server beats a websocket: `h` frames, pings (answered with pongs), or both.
        wsHFramesPerSessionPerSec: wsRate('wsHeartbeatFrames'),
        wsPingsPerSessionPerSec: wsRate('wsPings'),
        cpuUsPerOp: m.cpuUsPerOp ?? Number.NaN,
        cpuPctCore,
        cpuPctCoreAt25s: at25s,
        cpuPctCoreAt25sScaled: (at25s * requested) / held,
        rssMiB: after.rss / 1024 / 1024,
        rssKiBPerSession: (after.rss - before.rss) / held / 1024,
        openP50Ms: m.p50Ms ?? Number.NaN,
        otherCpuPct: m.otherCpuPct ?? Number.NaN,
        lost,
      };
      record(ctx, { scenario: 'capacity', transport: 'websocket', label }, kind, metrics, lastErrors);
    }
  } finally {
    await Promise.all(
      generators.map(async (g) => {
        await g.call('close').catch(() => undefined);
        await g.stop();
      }),
    );
  }
}
