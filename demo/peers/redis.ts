/**
 * A real redis-server as a child process for the cluster tests and `npm run demo:cluster`: loopback only, a free port, no
 * persistence (`--save '' --appendonly no`), its working directory a temporary one; killed when the
 * test ends (and, as a last resort, when the process exits). Can be stopped and started again on
 * the same port, to take Redis away from the nodes and give it back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killOnProcessExit, terminate, untilListening } from './processes';

/** `REDIS_SERVER` if set, else `redis-server` on the PATH; undefined when there is none. */
export function findRedisServer(): string | undefined {
  const given = process.env.REDIS_SERVER;
  if (given) return existsSync(given) ? given : undefined;
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : undefined;
}

/** Why the cluster tests are skipped here, or false when they can run. */
export function redisSkipReason(): string | false {
  return findRedisServer() ? false : 'redis-server not found (install it, or set REDIS_SERVER): cluster tests skipped';
}

export class RedisProcess {
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;
  private output = '';

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        resolveExit();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        this.output = (this.output + text).slice(-8192);
      });
    }
    killOnProcessExit(() => this.killNow(), this.exited);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Resolves once redis-server accepts connections; rejects if it exits first or after `ms`. */
  ready(ms: number): Promise<void> {
    return untilListening(
      {
        name: 'redis-server',
        port: this.port,
        exited: this.exited,
        exitCode: () => this.exitCode,
        log: () => this.output,
      },
      ms,
    );
  }

  /** SIGTERM, SIGKILL after `ms`; resolves once it has exited and its directory is gone. */
  async stop(ms = 5000): Promise<void> {
    if (this.exitCode === undefined) await terminate(this.child, this.exited, ms);
    rmSync(this.dir, { recursive: true, force: true });
  }

  killNow(): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
  }
}

/** Starts redis-server on `port` (default a free one) and waits until it listens. */
export async function startRedis(options: { port?: number; startTimeout?: number } = {}): Promise<RedisProcess> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server not found');
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'sockjs-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const redis = new RedisProcess(port, dir, child);
  try {
    await redis.ready(options.startTimeout ?? 10_000);
  } catch (error) {
    await redis.stop();
    throw error;
  }
  return redis;
}
