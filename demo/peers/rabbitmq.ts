/**
 * A throw-away RabbitMQ node, when Debian's `rabbitmq-server` is installed, for the bench (Web-STOMP as
 * a STOMP peer) and the tests (the STOMP broker relay over TCP STOMP): its own mnesia, log, config,
 * plugins file and Erlang cookie in a temp dir; every port chosen free on 127.0.0.1; its own foreground
 * epmd. `stop()` ends the node (its process group and whatever beam started) and keeps the dir and the
 * ports, so `start()` brings the same node back where clients expect it; `dispose()` stops it for good
 * and removes the dir. The process's exit kills the group too.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
import { accepts, allProcesses, descendants, freePort, kill, procInfo } from './processes';

/** Debian's wrapper (it re-runs the real script as the `rabbitmq` user), and the real script. */
const WRAPPER = '/usr/sbin/rabbitmq-server';
const SCRIPTS = '/usr/lib/rabbitmq/bin';
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const CTL_TIMEOUT_MS = 30_000;
/**
 * No scheduler busy-waiting: by default idle Erlang schedulers spin for a while, which a shared
 * 2-core machine pays for and which /proc would count as RabbitMQ's work per delivery.
 */
const ERL_ARGS = '+sbwt none +sbwtdcpu none +sbwtdio none';

export type RabbitMqPlugin = 'rabbitmq_stomp' | 'rabbitmq_web_stomp';

export interface RabbitMqPorts {
  readonly amqp: number;
  /** TCP STOMP (rabbitmq_stomp; Web-STOMP enables it too). */
  readonly stomp: number;
  /** Web-STOMP's websocket, at `/ws`. */
  readonly webStomp: number;
  readonly dist: number;
  readonly epmd: number;
}

export interface RabbitMqNode {
  readonly ports: RabbitMqPorts;
  /** beam.smp of the running node (undefined while stopped). */
  readonly beamPid: number | undefined;
  /** Starts it again after `stop()`, on the same ports; resolves once the plugin's port accepts connections. */
  start(): Promise<void>;
  /** Ends the node (SIGTERM to its group, bounded, then SIGKILL); the dir and ports stay for `start()`. */
  stop(): Promise<void>;
  /** `stop()`, then the temp dir goes. */
  dispose(): Promise<void>;
  /** Runs `rabbitmqctl` against the running node (say `add_user`, `list_connections user`); its output. */
  ctl(...args: string[]): Promise<string>;
}

export interface RabbitMqOptions {
  /** Enabled offline before the first start. Default `['rabbitmq_stomp']`. */
  readonly plugins?: readonly RabbitMqPlugin[];
  /** Progress lines (startup time, pid). */
  readonly log?: (line: string) => void;
}

/** Why RabbitMQ cannot run here, or undefined when it can. */
export function rabbitMqMissing(): string | undefined {
  if (!existsSync(WRAPPER)) return `${WRAPPER} is not installed`;
  if (!existsSync(join(SCRIPTS, 'rabbitmq-server')) || !existsSync(join(SCRIPTS, 'rabbitmq-plugins')))
    return `${SCRIPTS}/rabbitmq-server or rabbitmq-plugins missing`;
  if (process.getuid?.() !== 0 && process.env.USER !== 'rabbitmq')
    return 'rabbitmq-server runs only as root or rabbitmq here (Debian wrapper)';
  return undefined;
}

function configText(ports: RabbitMqPorts): string {
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

function environment(dir: string, ports: RabbitMqPorts): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: dir,
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_NODENAME: `peer${process.pid}-${ports.dist}@localhost`,
    RABBITMQ_DIST_PORT: String(ports.dist),
    ERL_EPMD_PORT: String(ports.epmd),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: ERL_ARGS,
  };
}

/** Makes the node's dir, enables the plugins offline and starts it (at most STARTUP_TIMEOUT_MS). */
export async function startRabbitMq(options: RabbitMqOptions = {}): Promise<RabbitMqNode> {
  const plugins = options.plugins ?? ['rabbitmq_stomp'];
  const dir = mkdtempSync(join(tmpdir(), 'peer-rabbitmq-'));
  const ports: RabbitMqPorts = {
    amqp: await freePort(),
    stomp: await freePort(),
    webStomp: await freePort(),
    dist: await freePort(),
    epmd: await freePort(),
  };
  writeFileSync(join(dir, 'rabbitmq.conf'), configText(ports));
  const env = environment(dir, ports);
  try {
    execFileSync(join(SCRIPTS, 'rabbitmq-plugins'), ['enable', '--offline', ...plugins], {
      env,
      cwd: dir,
      stdio: 'pipe',
      timeout: 30_000,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`rabbitmq-plugins enable --offline ${plugins.join(' ')} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const port = plugins.includes('rabbitmq_web_stomp') ? ports.webStomp : ports.stomp;
  const node = new Node(dir, ports, env, port, options.log ?? (() => undefined));
  try {
    await node.start();
  } catch (error) {
    await node.dispose();
    throw error;
  }
  return node;
}

class Node implements RabbitMqNode {
  private group: ChildProcess | undefined;
  private beam: number | undefined;
  private readonly killGroup = (): void => {
    if (this.group?.pid !== undefined) kill(-this.group.pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  constructor(
    private readonly dir: string,
    readonly ports: RabbitMqPorts,
    private readonly env: NodeJS.ProcessEnv,
    /** The port that says the node is up. */
    private readonly readyPort: number,
    private readonly log: (line: string) => void,
  ) {}

  get beamPid(): number | undefined {
    return this.beam;
  }

  async start(): Promise<void> {
    if (this.group) return;
    const output = openSync(join(this.dir, 'server.log'), 'a');
    // Our own epmd in the foreground, in the node's process group: erl finds it on ERL_EPMD_PORT
    // instead of starting a daemon that would outlive the run.
    const group = spawn(
      'bash',
      [
        '-c',
        'epmd -port "$ERL_EPMD_PORT" -address 127.0.0.1 & exec "$0"',
        realpathSync(join(SCRIPTS, 'rabbitmq-server')),
      ],
      { env: this.env, cwd: this.dir, detached: true, stdio: ['ignore', output, output] },
    );
    closeSync(output);
    this.group = group;
    // The process ending mid-run (an error, ^C): no node, no epmd, no temp dir left behind.
    process.on('exit', this.killGroup);
    const started = performance.now();
    try {
      await waitForPort(group, this.readyPort);
      const beam = allProcesses().find((p) => p.pgid === group.pid && p.comm === 'beam.smp');
      if (!beam) throw new Error('no beam.smp in the node process group');
      this.beam = beam.pid;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      this.log(`  rabbitmq ${rabbitVersion()} up in ${seconds} s (beam.smp pid ${beam.pid})`);
    } catch (error) {
      const tail = readFileSync(join(this.dir, 'server.log'), 'utf8').split('\n').slice(-15).join('\n');
      await this.stop();
      throw new Error(`rabbitmq did not start: ${(error as Error).message}\n${tail}`, { cause: error });
    }
  }

  async stop(): Promise<void> {
    const group = this.group;
    if (!group) return;
    await stopGroup(group);
    this.group = undefined;
    this.beam = undefined;
    process.off('exit', this.killGroup);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  ctl(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        join(SCRIPTS, 'rabbitmqctl'),
        ['--quiet', ...args],
        { env: this.env, cwd: this.dir, timeout: CTL_TIMEOUT_MS },
        (error, stdout, stderr) => {
          if (error)
            reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${stderr || error.message}`, { cause: error }));
          else resolve(stdout);
        },
      );
    });
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
  throw new Error(`port ${port} not listening after ${STARTUP_TIMEOUT_MS / 1000} s`);
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
