/**
 * A real nginx as a child process: the config templates of demo/proxy/nginx/ rendered into a
 * temporary prefix directory (config, pid, logs and temp files all inside it), run with
 * `nginx -p <tmpdir> -c <tmpdir>/conf/nginx.conf -g 'daemon off;'` on a loopback port, and
 * stopped — master and workers — however the run ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exitsWithin, freePort, killOnProcessExit, untilListening } from '../peers/processes';

/**
 * The proxy modes, each one template in demo/proxy/nginx/: the four hostile ones of the
 * scenarios, `strip-prefix`, which serves the upstream under /app/ (the browser test of the
 * iframe transports behind a path prefix), `sticky`, which balances over several upstreams
 * and keeps each SockJS session on one (test/proxy/sticky.test.ts, docs/scaling.md), and
 * `sticky-cookie-hash`, the same keyed on the client's JSESSIONID cookie when it has one.
 */
export type NginxMode =
  'no-upgrade' | 'buffering' | 'idle-cut' | 'close-delimited' | 'strip-prefix' | 'sticky' | 'sticky-cookie-hash';

export const DEFAULT_NGINX = '/usr/sbin/nginx';

/** The nginx binary (`NGINX` in the environment, else /usr/sbin/nginx), if it is there. */
export function findNginx(): string | undefined {
  const candidate = process.env.NGINX ?? DEFAULT_NGINX;
  try {
    accessSync(candidate, constants.X_OK);
    return candidate;
  } catch {
    return undefined;
  }
}

/**
 * demo/proxy/nginx/ in the source tree. The compiled code runs from dist/demo/proxy/ (or another
 * out dir one level below the repository), and tsc does not copy .conf files, so look there too.
 */
export function templateDir(): string {
  const candidates = [join(__dirname, 'nginx'), resolve(__dirname, '..', '..', '..', 'demo', 'proxy', 'nginx')];
  const found = candidates.find((dir) => existsSync(join(dir, 'common.conf')));
  if (!found) throw new Error(`nginx templates not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Replaces every `{{NAME}}`; a placeholder without a value is an error, never left in. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx template: no value for {{${name}}}`);
    return value;
  });
}

/**
 * `user root;` only when running as root: nginx's workers would otherwise switch to `nobody` and
 * could not use the temporary directory. Not root, nginx keeps the current user by itself (and
 * warns about a `user` directive), so there is none.
 */
export function userDirective(uid: number | undefined = process.getuid?.()): string {
  return uid === 0 ? 'user root;' : '# (not root: no `user` directive, nginx runs as the current user)';
}

// Where nginx is one peer among several (redis-server, RabbitMQ): one copy of the port and wait helpers.
export { freePort };

export interface RenderedConfig {
  /** The nginx.conf text of the mode. */
  main: string;
  /** common.conf, included by it. */
  common: string;
}

export interface ConfigValues {
  listenPort: number;
  upstreamPort: number;
  /** Every node of the `sticky` modes' upstream block. Default: `upstreamPort` alone. */
  upstreamPorts?: readonly number[];
  /** Idle cut of the idle-cut mode, seconds. Default 2. */
  idleSeconds?: number;
  /** Default: from the current uid. */
  user?: string;
}

/** `server` lines of an upstream block, one per port, indented as the block's body. */
export function upstreamServers(ports: readonly number[]): string {
  if (ports.length === 0) throw new Error('nginx upstream: no ports');
  return ports.map((port) => `server 127.0.0.1:${port};`).join('\n        ');
}

/** The mode's config with ports and the rest filled in. */
export function renderConfig(mode: NginxMode, values: ConfigValues): RenderedConfig {
  const dir = templateDir();
  const filled: Record<string, string> = {
    LISTEN_PORT: String(values.listenPort),
    UPSTREAM_PORT: String(values.upstreamPort),
    UPSTREAM_SERVERS: upstreamServers(values.upstreamPorts ?? [values.upstreamPort]),
    IDLE_SECONDS: String(values.idleSeconds ?? 2),
    USER: values.user ?? userDirective(),
  };
  return {
    main: renderTemplate(readFileSync(join(dir, `${mode}.conf`), 'utf8'), filled),
    common: renderTemplate(readFileSync(join(dir, 'common.conf'), 'utf8'), filled),
  };
}

export interface NginxOptions {
  mode: NginxMode;
  /** Where nginx proxies to (our server) on 127.0.0.1. */
  upstreamPort: number;
  /** Every node the `sticky` modes balance over (127.0.0.1). Default: `upstreamPort` alone. */
  upstreamPorts?: readonly number[];
  idleSeconds?: number;
  /** Default `findNginx()`. */
  bin?: string;
  /** Ms to wait for nginx to listen. Default 10 000. */
  startTimeout?: number;
  /** Keep the temporary directory after `stop()` (to read the logs). */
  keepFiles?: boolean;
}

/** The pids whose parent is `pid` (nginx's workers), from /proc; empty where there is none. */
function childPids(pid: number): number[] {
  const children: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return children;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ... — comm may hold spaces and parentheses: read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process is gone already.
    }
  }
  return children;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** One running nginx (master and workers). */
export class NginxProcess {
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;
  private stderr = '';
  /** Worker pids seen while it ran, for the last-resort kill. */
  private workers: number[] = [];

  constructor(
    readonly mode: NginxMode,
    readonly port: number,
    readonly prefix: string,
    private readonly child: ChildProcess,
    private readonly keepFiles: boolean,
  ) {
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        resolveExit();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-8192);
    });
    child.stdout?.resume();
    killOnProcessExit(() => this.killNow(), this.exited);
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  /** nginx's error log (and what it wrote to stderr before reading its config). */
  errorLog(): string {
    const file = join(this.prefix, 'logs', 'error.log');
    const log = existsSync(file) ? readFileSync(file, 'utf8') : '';
    return (this.stderr ? `${this.stderr}\n` : '') + log;
  }

  accessLog(): string {
    const file = join(this.prefix, 'logs', 'access.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Resolves once nginx accepts connections; rejects if it exits first or after `ms`. */
  async ready(ms: number): Promise<void> {
    await untilListening(
      {
        name: `nginx (${this.mode})`,
        port: this.port,
        exited: this.exited,
        exitCode: () => (this.hasExited ? this.exitCode : undefined),
        log: () => this.errorLog(),
      },
      ms,
    );
    if (this.pid !== undefined) this.workers = childPids(this.pid);
  }

  /**
   * Fast shutdown (SIGTERM: the master ends its workers and exits), SIGKILL for master and
   * workers if that takes over `ms`; then the temporary directory goes (unless kept).
   */
  async stop(ms = 5000): Promise<void> {
    const pid = this.pid;
    if (!this.hasExited && pid !== undefined) {
      this.workers = [...new Set([...this.workers, ...childPids(pid)])];
      signal(pid, 'SIGTERM');
      if (!(await exitsWithin(this.exited, ms))) {
        this.killNow();
        await this.exited;
      }
    }
    // Workers of a master that died some other way.
    for (const worker of this.workers) signal(worker, 'SIGKILL');
    if (!this.keepFiles) rmSync(this.prefix, { recursive: true, force: true });
  }

  /** SIGKILL to master and workers, synchronously (the process is exiting). */
  killNow(): void {
    const pid = this.pid;
    if (pid === undefined || this.hasExited) return;
    for (const worker of new Set([...this.workers, ...childPids(pid)])) signal(worker, 'SIGKILL');
    signal(pid, 'SIGKILL');
  }
}

/**
 * Renders the mode's config into a new temporary prefix and starts nginx on a free loopback port
 * (another one if that port was taken meanwhile).
 */
export async function startNginx(options: NginxOptions): Promise<NginxProcess> {
  const bin = options.bin ?? findNginx();
  if (!bin) throw new Error(`nginx not found at ${process.env.NGINX ?? DEFAULT_NGINX}`);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const prefix = mkdtempSync(join(tmpdir(), `sockjs-proxy-${options.mode}-`));
    for (const dir of ['conf', 'logs', 'temp']) mkdirSync(join(prefix, dir));
    const port = await freePort();
    const config = renderConfig(options.mode, {
      listenPort: port,
      upstreamPort: options.upstreamPort,
      ...(options.upstreamPorts === undefined ? {} : { upstreamPorts: options.upstreamPorts }),
      ...(options.idleSeconds === undefined ? {} : { idleSeconds: options.idleSeconds }),
    });
    const confFile = join(prefix, 'conf', 'nginx.conf');
    writeFileSync(confFile, config.main);
    writeFileSync(join(prefix, 'conf', 'common.conf'), config.common);
    // -e stderr: what nginx says before it has read the config's error_log comes to us.
    const child = spawn(bin, ['-p', `${prefix}/`, '-c', confFile, '-e', 'stderr', '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const nginx = new NginxProcess(options.mode, port, prefix, child, options.keepFiles ?? false);
    try {
      await nginx.ready(options.startTimeout ?? 10_000);
      return nginx;
    } catch (error) {
      lastError = error;
      const log = nginx.errorLog();
      await nginx.stop();
      if (!/Address already in use/.test(log)) throw error;
    }
  }
  throw lastError;
}
