/**
 * RabbitMQ with Web-STOMP as the STOMP scenarios' peer, when Debian's `rabbitmq-server` is installed:
 * a throw-away node (its own mnesia, log, config, plugins file and Erlang cookie in a temp dir; every
 * port chosen free on 127.0.0.1; its own foreground epmd), Web-STOMP's websocket at `/ws`. Its CPU is
 * beam.smp's (all threads) from /proc/<pid>/stat. `stop()` ends the whole process group and whatever
 * beam started; the runner's exit kills the group too.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CpuMeter } from '../harness';
import { accepts, allProcesses, descendants, freePort, kill, procInfo, procMeter } from './processes';

/** Debian's wrapper (it re-runs the real script as the `rabbitmq` user), and the real script. */
const WRAPPER = '/usr/sbin/rabbitmq-server';
const SCRIPTS = '/usr/lib/rabbitmq/bin';
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
/**
 * No scheduler busy-waiting: by default idle Erlang schedulers spin for a while, which a shared
 * 2-core machine pays for and which /proc would count as RabbitMQ's work per delivery.
 */
const ERL_ARGS = '+sbwt none +sbwtdcpu none +sbwtdio none';

export interface RabbitMq {
  /** Web-STOMP's port (websocket at /ws). */
  readonly port: number;
  readonly beamPid: number;
  readonly meter: CpuMeter;
  stop(): Promise<void>;
}

/** Why RabbitMQ cannot be the peer here, or undefined when it can. */
export function rabbitMqMissing(): string | undefined {
  if (!existsSync(WRAPPER)) return `${WRAPPER} is not installed`;
  if (!existsSync(join(SCRIPTS, 'rabbitmq-server')) || !existsSync(join(SCRIPTS, 'rabbitmq-plugins')))
    return `${SCRIPTS}/rabbitmq-server or rabbitmq-plugins missing`;
  if (process.getuid?.() !== 0 && process.env.USER !== 'rabbitmq')
    return 'rabbitmq-server runs only as root or rabbitmq here (Debian wrapper)';
  return undefined;
}

function configText(ports: { amqp: number; stomp: number; webStomp: number }): string {
  return [
    `listeners.tcp.default = 127.0.0.1:${ports.amqp}`,
    `stomp.listeners.tcp.1 = 127.0.0.1:${ports.stomp}`,
    `web_stomp.tcp.ip = 127.0.0.1`,
    `web_stomp.tcp.port = ${ports.webStomp}`,
    // guest/guest, from loopback only (the default, said out loud).
    'loopback_users.guest = true',
    // A 1000-subscriber burst must not trip flow control on a laptop-sized box.
    'vm_memory_high_watermark.relative = 0.6',
    'disk_free_limit.absolute = 50MB',
    '',
  ].join('\n');
}

/** Starts a node and resolves once Web-STOMP accepts connections (at most STARTUP_TIMEOUT_MS). */
export async function startRabbitMq(log: (line: string) => void): Promise<RabbitMq> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rabbitmq-'));
  const ports = {
    amqp: await freePort(),
    stomp: await freePort(),
    webStomp: await freePort(),
    dist: await freePort(),
    epmd: await freePort(),
  };
  writeFileSync(join(dir, 'rabbitmq.conf'), configText(ports));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_NODENAME: `bench${process.pid}@localhost`,
    RABBITMQ_DIST_PORT: String(ports.dist),
    ERL_EPMD_PORT: String(ports.epmd),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: ERL_ARGS,
  };
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync(join(SCRIPTS, 'rabbitmq-plugins'), ['enable', '--offline', 'rabbitmq_web_stomp'], {
      env,
      cwd: dir,
      stdio: 'pipe',
      timeout: 30_000,
    });
  } catch (error) {
    cleanup();
    throw new Error(`rabbitmq-plugins enable --offline rabbitmq_web_stomp failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const output = openSync(join(dir, 'server.log'), 'w');
  // Our own epmd in the foreground, in the node's process group: erl finds it on ERL_EPMD_PORT
  // instead of starting a daemon that would outlive the run.
  const group = spawn(
    'bash',
    [
      '-c',
      'epmd -port "$ERL_EPMD_PORT" -address 127.0.0.1 & exec "$0"',
      realpathSync(join(SCRIPTS, 'rabbitmq-server')),
    ],
    { env, cwd: dir, detached: true, stdio: ['ignore', output, output] },
  );
  closeSync(output);
  // The runner ending mid-run (an error, ^C): no node, no epmd, no temp dir left behind.
  const killGroup = (): void => {
    kill(-(group.pid ?? 0), 'SIGKILL');
    cleanup();
  };
  process.on('exit', killGroup);
  const started = performance.now();
  try {
    await waitForPort(group, ports.webStomp);
    const beam = allProcesses().find((p) => p.pgid === group.pid && p.comm === 'beam.smp');
    if (!beam) throw new Error('no beam.smp in the node process group');
    log(
      `  rabbitmq ${rabbitVersion()} up in ${((performance.now() - started) / 1000).toFixed(1)} s (beam.smp pid ${beam.pid})`,
    );
    return {
      port: ports.webStomp,
      beamPid: beam.pid,
      meter: procMeter(beam.pid),
      stop: async () => {
        await stopGroup(group);
        process.off('exit', killGroup);
        cleanup();
      },
    };
  } catch (error) {
    const tail = readFileSync(join(dir, 'server.log'), 'utf8').split('\n').slice(-15).join('\n');
    await stopGroup(group);
    process.off('exit', killGroup);
    cleanup();
    throw new Error(`rabbitmq did not start: ${(error as Error).message}\n${tail}`, { cause: error });
  }
}

async function waitForPort(group: ChildProcess, port: number): Promise<void> {
  const deadline = performance.now() + STARTUP_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (group.exitCode !== null || group.signalCode !== null)
      throw new Error(`rabbitmq-server exited (${group.exitCode ?? group.signalCode})`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`web-stomp not listening on ${port} after ${STARTUP_TIMEOUT_MS / 1000} s`);
}

function rabbitVersion(): string {
  try {
    const path = realpathSync(join(SCRIPTS, 'rabbitmq-server'));
    return /rabbitmq_server-([\d.]+)/.exec(path)?.[1] ?? '';
  } catch {
    return '';
  }
}

/**
 * SIGTERM to the group (the script turns it into a clean node stop, epmd just exits), bounded, then
 * SIGKILL; then anything beam had started and left behind.
 */
async function stopGroup(group: ChildProcess): Promise<void> {
  const pgid = group.pid ?? 0;
  // Children beam made in groups of their own (the disk monitor's shell, say).
  const strays = descendants(pgid).filter((pid) => procInfo(pid)?.pgid !== pgid);
  const alive = (): boolean => allProcesses().some((p) => p.pgid === pgid || strays.includes(p.pid));
  kill(-pgid, 'SIGTERM');
  const deadline = performance.now() + STOP_TIMEOUT_MS;
  while (alive() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  if (alive()) {
    kill(-pgid, 'SIGKILL');
    for (const pid of strays) kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
