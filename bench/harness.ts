/**
 * What the scenarios share on the runner's side: starting a server child, measuring a window
 * (server CPU from the server's own process.cpuUsage(), operations and latency from the
 * generators), and turning that into per-operation metrics.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Child } from './children';
import type { LoadSample } from './load/open';
import type { Target, Transport } from './load/session';
import type { Profile } from './profile';
import type { CellServer, CellSet, Metrics, ServerKind } from './results';
import { CONFIG_ENV, type CpuSample, type MemorySample, type ServerConfig } from './servers/control';

export interface Context {
  profile: Profile;
  servers: readonly ServerKind[];
  transports: readonly Transport[];
  /** The long-lived load generator (scenarios that need more start their own). */
  generator: Child;
  cells: CellSet;
  notes: string[];
  /** Directory for server CPU profiles, when asked for with --cpu-prof. */
  cpuProfileDir: string | undefined;
  /** stomp-fanout also runs RabbitMQ Web-STOMP, when installed (--no-rabbitmq: not). */
  rabbitmq: boolean;
  log(line: string): void;
}

export interface RunningServer {
  kind: ServerKind;
  child: Child;
  target: Target;
  fdLimit: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let profileCount = 0;

export async function startServer(
  ctx: Context,
  kind: ServerKind,
  config: ServerConfig,
  tag: string,
): Promise<RunningServer> {
  const flags = ['--expose-gc'];
  if (ctx.cpuProfileDir) {
    mkdirSync(ctx.cpuProfileDir, { recursive: true });
    profileCount++;
    flags.push(
      '--cpu-prof',
      `--cpu-prof-dir=${ctx.cpuProfileDir}`,
      `--cpu-prof-name=${String(profileCount).padStart(2, '0')}-${tag}-${kind}.cpuprofile`,
    );
  }
  const child = await Child.spawn(kind, {
    script: join('servers', `${kind}.js`),
    nodeFlags: flags,
    env: { [CONFIG_ENV]: JSON.stringify(config) },
  });
  return {
    kind,
    child,
    target: { host: '127.0.0.1', port: Number(child.info.port) },
    fdLimit: Number(child.info.fdLimit),
  };
}

/** Runs `body` against a fresh server child, stopping the child whatever happens. */
export async function withServer<T>(
  ctx: Context,
  kind: ServerKind,
  config: ServerConfig,
  tag: string,
  body: (server: RunningServer) => Promise<T>,
): Promise<T> {
  const server = await startServer(ctx, kind, config, tag);
  try {
    const result = await body(server);
    const status = await server.child.call<{ problems: number }>('status');
    if (status.problems > 0) ctx.log(`  ! ${kind} logged ${status.problems} warnings/errors`);
    return result;
  } finally {
    await server.child.stop();
  }
}

/**
 * Starts one child per server (one after another) and keeps them all for `body`, which measures
 * them in turns — so that a change in the machine's background load falls on every server alike.
 * Only one server is ever under load; the others sit idle with no sessions.
 */
export async function withServers(
  ctx: Context,
  config: ServerConfig,
  tag: string,
  body: (servers: readonly RunningServer[]) => Promise<void>,
): Promise<void> {
  const servers: RunningServer[] = [];
  try {
    for (const kind of ctx.servers) servers.push(await startServer(ctx, kind, config, tag));
    await body(servers);
    for (const server of servers) {
      const status = await server.child.call<{ problems: number }>('status');
      if (status.problems > 0) ctx.log(`  ! ${server.kind} logged ${status.problems} warnings/errors`);
    }
  } finally {
    await Promise.all(servers.map((server) => server.child.stop()));
  }
}

/** % of one core the whole machine is busy over `ms` (call it while our own processes are idle). */
export async function backgroundLoad(ms: number): Promise<number> {
  const before = machineTicks();
  await sleep(ms);
  const after = machineTicks();
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * 100 * cpus().length : Number.NaN;
}

export interface Window {
  cpu: CpuSample;
  samples: LoadSample[];
  /** CPU busy on the whole machine over the window, in % of one core (all processes, ours too). */
  machineBusyPct: number;
}

/** Busy and total jiffies of all CPUs, from /proc/stat (zeros where there is none). */
export function machineTicks(): { busy: number; total: number } {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Where a window's server CPU comes from: a server child's own process.cpuUsage(), or /proc for a peer. */
export interface CpuMeter {
  start(): Promise<unknown>;
  stop(): Promise<CpuSample>;
}

export function childMeter(server: RunningServer): CpuMeter {
  return { start: () => server.child.call('start'), stop: () => server.child.call<CpuSample>('stop') };
}

/** Measures one window: the server's CPU and the generators' counts over the same `ms`. */
export function measure(server: RunningServer, generators: readonly Child[], ms: number): Promise<Window> {
  return measureWith(childMeter(server), generators, ms);
}

export async function measureWith(meter: CpuMeter, generators: readonly Child[], ms: number): Promise<Window> {
  await Promise.all([meter.start(), ...generators.map((g) => g.call('mark'))]);
  const before = machineTicks();
  await sleep(ms);
  const after = machineTicks();
  const [cpu, ...samples] = await Promise.all([meter.stop(), ...generators.map((g) => g.call<LoadSample>('collect'))]);
  const cores = cpus().length;
  const total = after.total - before.total;
  const machineBusyPct = total > 0 ? ((after.busy - before.busy) / total) * 100 * cores : Number.NaN;
  return { cpu, samples, machineBusyPct };
}

/**
 * Per-operation metrics of a window. The generator's rate is applied to the server's own wall
 * time, so the few ms between the two processes' start/stop cancel out.
 */
export function windowMetrics(window: Window): Metrics {
  const { cpu, samples } = window;
  const ops = samples.reduce((sum, s) => sum + s.ops, 0);
  const frames = samples.reduce((sum, s) => sum + (s.extra.frames ?? 0), 0);
  const wallMs = samples.reduce((sum, s) => sum + s.wallMs, 0) / Math.max(1, samples.length);
  const opsPerSec = ops / (wallMs / 1000);
  const serverSeconds = cpu.wallUs / 1e6;
  const first = samples[0];
  const serverPct = (cpu.cpuUs / cpu.wallUs) * 100;
  const generatorPct = (samples.reduce((sum, s) => sum + (s.cpuUs ?? 0), 0) / (wallMs * 1000)) * 100;
  return {
    ops,
    opsPerSec,
    cpuUsPerOp: opsPerSec > 0 ? cpu.cpuUs / (opsPerSec * serverSeconds) : Number.NaN,
    cpuPctCore: serverPct,
    p50Ms: first?.latency.p50Ms ?? Number.NaN,
    p99Ms: Math.max(...samples.map((s) => s.latency.p99Ms)),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    generatorCpuPct: generatorPct,
    // Everything else the machine did meanwhile (other work on a shared box skews throughput).
    otherCpuPct: Math.max(0, window.machineBusyPct - serverPct - generatorPct),
    ...(frames > 0 ? { msgsPerFrame: ops / frames } : {}),
  };
}

export function lastError(window: Window): string {
  return window.samples
    .map((s) => s.lastError)
    .filter((e) => e !== '')
    .join('; ');
}

/** Records one repetition of a cell and logs it on one line. */
export function record(
  ctx: Context,
  cell: { scenario: Parameters<CellSet['add']>[0]; transport: Parameters<CellSet['add']>[1]; label: string },
  server: CellServer,
  metrics: Metrics,
  error = '',
): void {
  ctx.cells.add(cell.scenario, cell.transport, cell.label, server, metrics);
  const shown = Object.entries(metrics)
    .filter(([name]) => name !== 'ops')
    .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : value.toPrecision(4)}`)
    .join(' ');
  ctx.log(
    `  ${cell.scenario} ${cell.transport} ${cell.label} ${server}: ${shown}${error ? `  (last error: ${error})` : ''}`,
  );
}

export async function serverMemory(server: RunningServer): Promise<MemorySample> {
  return server.child.call<MemorySample>('memory');
}
