/**
 * A real HAProxy as a child process: a config template of demo/proxy/haproxy/ rendered into a
 * temporary directory and run with `haproxy -f <tmpdir>/haproxy.cfg -db` on a loopback port. `-db`
 * keeps it in the foreground (no daemon, no master-worker); the templates set no pid file, chroot,
 * user or stats socket, and log to stderr, so nothing is written outside the temporary directory.
 * Stopped (SIGTERM, then SIGKILL) however the run ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, killOnProcessExit, terminate, untilListening } from '../peers/processes';
import { renderTemplate } from './nginx';

/**
 * The configs, each one template in demo/proxy/haproxy/: `sticky-server-id` hashes the server-id
 * segment of session URLs, `sticky-cookie` pins a client to a node with a cookie HAProxy inserts
 * (test/proxy/haproxy.test.ts, docs/scaling.md).
 */
export type HaproxyMode = 'sticky-server-id' | 'sticky-cookie';

export const DEFAULT_HAPROXY = '/usr/sbin/haproxy';

/** The haproxy binary (`HAPROXY` in the environment, else /usr/sbin/haproxy), if it is there. */
export function findHaproxy(): string | undefined {
  const candidate = process.env.HAPROXY ?? DEFAULT_HAPROXY;
  try {
    accessSync(candidate, constants.X_OK);
    return candidate;
  } catch {
    return undefined;
  }
}

/** demo/proxy/haproxy/ in the source tree (tsc does not copy .cfg files to dist/). */
export function haproxyTemplateDir(): string {
  const candidates = [join(__dirname, 'haproxy'), resolve(__dirname, '..', '..', '..', 'demo', 'proxy', 'haproxy')];
  const found = candidates.find((dir) => existsSync(join(dir, 'sticky-server-id.cfg')));
  if (!found) throw new Error(`haproxy templates not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** One node of the backend: its name (the cookie value, in sticky-cookie) and its port on 127.0.0.1. */
export interface BackendNode {
  name: string;
  port: number;
}

export interface ServerLineOptions {
  /** Seconds between health checks. Default 2 (HAProxy's own default). */
  checkIntervalSeconds?: number;
}

/**
 * `server` lines of the backend, one per node, indented as the backend's body; with `cookie`, each
 * names the cookie value that pins a client to it (the node's name).
 */
export function backendServers(
  nodes: readonly BackendNode[],
  cookie: boolean,
  options: ServerLineOptions = {},
): string {
  if (nodes.length === 0) throw new Error('haproxy backend: no nodes');
  const inter = `${options.checkIntervalSeconds ?? 2}s`;
  return nodes
    .map(
      (node) =>
        `server ${node.name} 127.0.0.1:${node.port} check inter ${inter}${cookie ? ` cookie ${node.name}` : ''}`,
    )
    .join('\n    ');
}

export interface HaproxyConfigValues extends ServerLineOptions {
  listenPort: number;
  nodes: readonly BackendNode[];
}

/** The mode's config with its port and servers filled in. */
export function renderHaproxyConfig(mode: HaproxyMode, values: HaproxyConfigValues): string {
  const template = readFileSync(join(haproxyTemplateDir(), `${mode}.cfg`), 'utf8');
  return renderTemplate(template, {
    LISTEN_PORT: String(values.listenPort),
    SERVERS: backendServers(values.nodes, mode === 'sticky-cookie', values),
  });
}

export interface HaproxyOptions extends ServerLineOptions {
  mode: HaproxyMode;
  /** The nodes it balances over, on 127.0.0.1. */
  nodes: readonly BackendNode[];
  /** Default `findHaproxy()`. */
  bin?: string;
  /** Ms to wait for it to listen. Default 10 000. */
  startTimeout?: number;
}

/** One running haproxy (a single process: `-db`, no master-worker). */
export class HaproxyProcess {
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;
  private output = '';

  constructor(
    readonly mode: HaproxyMode,
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        resolveExit();
      });
    });
    const keep = (text: string): void => {
      this.output = (this.output + text).slice(-16_384);
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', keep);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', keep);
    killOnProcessExit(() => {
      this.killNow();
      rmSync(this.dir, { recursive: true, force: true });
    }, this.exited);
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  /** What it wrote (alerts, warnings, one line per request): the last 16 KB. */
  log(): string {
    return this.output;
  }

  /** Resolves once it accepts connections; rejects if it exits first or after `ms`. */
  ready(ms: number): Promise<void> {
    return untilListening(
      {
        name: `haproxy (${this.mode})`,
        port: this.port,
        exited: this.exited,
        exitCode: () => (this.hasExited ? this.exitCode : undefined),
        log: () => this.log(),
      },
      ms,
    );
  }

  /** SIGTERM (a hard stop: open connections are closed), SIGKILL after `ms`; the directory goes. */
  async stop(ms = 5000): Promise<void> {
    if (!this.hasExited && this.child.pid !== undefined) await terminate(this.child, this.exited, ms);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** SIGKILL, synchronously (the process is exiting). */
  killNow(): void {
    if (!this.hasExited) this.child.kill('SIGKILL');
  }
}

/** Renders the mode's config into a new temporary directory and starts haproxy on a free loopback port. */
export async function startHaproxy(options: HaproxyOptions): Promise<HaproxyProcess> {
  const bin = options.bin ?? findHaproxy();
  if (!bin) throw new Error(`haproxy not found at ${process.env.HAPROXY ?? DEFAULT_HAPROXY}`);
  let lastError: unknown;
  // Another port if the free one was taken meanwhile.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), `sockjs-haproxy-${options.mode}-`));
    const port = await freePort();
    const configFile = join(dir, 'haproxy.cfg');
    writeFileSync(configFile, renderHaproxyConfig(options.mode, { ...options, listenPort: port }));
    // cwd: the temporary directory, so even a relative path in a config stays inside it.
    const child = spawn(bin, ['-f', configFile, '-db'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const haproxy = new HaproxyProcess(options.mode, port, dir, child);
    try {
      await haproxy.ready(options.startTimeout ?? 10_000);
      return haproxy;
    } catch (error) {
      lastError = error;
      const log = haproxy.log();
      await haproxy.stop();
      if (!/Address already in use|cannot bind socket/.test(log)) throw error;
    }
  }
  throw lastError;
}
