/**
 * Sticky routing for node:cluster. node:cluster's own primary hands out *connections* round
 * robin, but a SockJS session's HTTP requests must all reach the process that holds it. This
 * primary listens itself, reads each connection's request line, and hands the connection (with the
 * bytes read) to the worker that the server id of its path hashes to.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createServer, type Server, type Socket } from 'node:net';
import { checkOptionKeys, SockJsError } from '../../protocol';
import type { Logger } from '../handler';
import { stderrLogger } from '../options';
import { readHead, refuse, type HeadLimits } from './sticky-head';
import { connectionMessage, isAcceptedMessage } from './sticky-messages';
import { WorkerPool, type LiveWorker } from './sticky-pool';

export interface StickyPrimaryOptions {
  /** The port to listen on (0: a free one; `primary.port` tells which). Required. */
  port: number;
  /** The address to listen on. Default: every interface (Node's default). */
  host?: string;
  /** Workers to fork. Default `os.availableParallelism()`. */
  workers?: number;
  /** Fork a replacement when a worker dies (it takes the dead one's slot and server ids). Default true. */
  respawn?: boolean;
  /** Ms between a worker's death and its replacement's fork (no hot loop for a worker that dies at once). Default 1 000. */
  respawnDelay?: number;
  /** Bytes a connection may send without completing its request line; then it is answered 414. Default 8 192. */
  maxRequestLineBytes?: number;
  /** Ms a connection has to complete its request line; then it is answered 408. Default 10 000. */
  requestLineTimeout?: number;
  /** Ms for every worker to be ready at start; then the start fails. Default 30 000. */
  startTimeout?: number;
  /** Ms the workers get to exit after SIGTERM at shutdown; then SIGKILL. Default 10 000. */
  shutdownTimeout?: number;
  /** SIGTERM and SIGINT shut the primary down (`close()`) and exit it: 0 when every worker exited cleanly. Default true. */
  handleSignals?: boolean;
  /** Extra environment of the worker in slot `index` (0 to workers - 1). Default none. */
  env?: (index: number) => Record<string, string>;
  /** Where worker deaths and failed hand-overs are reported. Default: warnings and errors to stderr. */
  logger?: Logger;
}

export const STICKY_PRIMARY_DEFAULTS = {
  respawn: true,
  respawnDelay: 1_000,
  maxRequestLineBytes: 8_192,
  requestLineTimeout: 10_000,
  startTimeout: 30_000,
  shutdownTimeout: 10_000,
  handleSignals: true,
} as const;

export interface StickyPrimary {
  /** The port listened on. */
  readonly port: number;
  /** The workers taking connections now, by slot. */
  liveWorkers(): LiveWorker[];
  /**
   * Stops accepting, closes the connections not handed over yet, sends SIGTERM to every worker and
   * waits up to `shutdownTimeout` for them to exit (SIGKILL for the rest). Resolves true when every
   * worker exited in time, with code 0 or by the SIGTERM.
   */
  close(): Promise<boolean>;
}

const KNOWN_OPTIONS = [
  'port',
  'host',
  'workers',
  'respawn',
  'respawnDelay',
  'maxRequestLineBytes',
  'requestLineTimeout',
  'startTimeout',
  'shutdownTimeout',
  'handleSignals',
  'env',
  'logger',
] as const;

interface Resolved extends HeadLimits {
  readonly port: number;
  readonly host: string | undefined;
  readonly workers: number;
  readonly respawn: boolean;
  readonly respawnDelay: number;
  readonly startTimeout: number;
  readonly shutdownTimeout: number;
  readonly handleSignals: boolean;
  readonly env: (index: number) => Record<string, string>;
  readonly logger: Logger;
}

/**
 * Forks the workers (each must call `acceptStickyConnections(server)`), waits until all are ready,
 * then listens on `host:port` and routes every connection. Call it in the primary process only.
 */
export async function startStickyPrimary(options: StickyPrimaryOptions): Promise<StickyPrimary> {
  const resolved = resolveStickyPrimaryOptions(options);
  if (!cluster.isPrimary) {
    throw new SockJsError('ERR_CLUSTER_ROLE', 'startStickyPrimary: call it in the primary process (cluster.isPrimary)');
  }
  const pool = new WorkerPool(resolved);
  try {
    await pool.start(resolved.startTimeout);
  } catch (error) {
    await pool.stop(resolved.shutdownTimeout);
    throw error;
  }
  const router = new Router(resolved, pool);
  const port = await router.listen().catch(async (error: unknown) => {
    await pool.stop(resolved.shutdownTimeout);
    throw error;
  });
  const primary: StickyPrimary = {
    port,
    liveWorkers: () => pool.liveWorkers(),
    close: once(async () => {
      router.close();
      return pool.stop(resolved.shutdownTimeout);
    }),
  };
  if (resolved.handleSignals) exitOnSignals(primary);
  return primary;
}

/**
 * Reads and hands over connections. A connection is sent with `keepOpen`: this process keeps its
 * copy until the worker says it has taken it, and closes it then (closing a copy does not end the
 * connection). A worker that dies first never takes it, and Node's own hand-over would keep that
 * copy open with nobody reading: the client would wait forever. Here the copies of a dead worker's
 * connections are destroyed, so their clients see the connection end.
 */
class Router {
  private readonly server: Server;
  private readonly pending = new Set<Socket>();
  private readonly awaiting = new Map<number, { socket: Socket; worker: Worker }>();
  private nextId = 1;
  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (!isAcceptedMessage(message)) return;
    const entry = this.awaiting.get(message.id);
    if (entry?.worker !== worker) return;
    this.awaiting.delete(message.id);
    entry.socket.destroy();
  };
  private readonly onWorkerGone = (worker: Worker): void => {
    for (const [id, entry] of this.awaiting) {
      if (entry.worker !== worker) continue;
      this.awaiting.delete(id);
      entry.socket.destroy();
    }
  };

  constructor(
    private readonly options: Resolved,
    private readonly pool: WorkerPool,
  ) {
    // highWaterMark 0: once a read has stopped the handle (readHead) and paused the stream, the
    // stream must not restart it. With any other mark, Readable's read-ahead (`maybeReadMore`,
    // on the next tick) calls `read(0)` while the buffer is below the mark, which starts the
    // handle again: this process would take bytes (a request body) meant for the worker.
    this.server = createServer({ pauseOnConnect: true, highWaterMark: 0 }, (socket) => this.accept(socket));
    cluster.on('message', this.onMessage).on('exit', this.onWorkerGone);
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        // Once listening, an accept error (EMFILE...) is reported; the server goes on listening.
        this.server.on('error', (error) => this.options.logger.error({ err: error }, 'sticky primary: accept failed'));
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : this.options.port);
      });
    });
  }

  close(): void {
    this.server.close();
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
    // Only this process's copies: a worker that has taken its connection keeps it.
    for (const { socket } of this.awaiting.values()) socket.destroy();
    this.awaiting.clear();
    cluster.off('message', this.onMessage).off('exit', this.onWorkerGone);
  }

  private accept(socket: Socket): void {
    this.pending.add(socket);
    // Errors after the read (a reset while the hand-over is under way) end the connection, quietly.
    socket.on('error', (error) => this.options.logger.debug({ err: error }, 'sticky connection error'));
    readHead(socket, this.options, (outcome) => {
      this.pending.delete(socket);
      if (outcome.kind === 'gone') socket.destroy();
      else if (outcome.kind === 'refused') refuse(socket, outcome.status);
      else this.handOver(socket, outcome.head, outcome.serverId);
    });
  }

  private handOver(socket: Socket, head: Buffer, serverId: string | undefined): void {
    const worker = this.pool.route(serverId);
    if (worker === undefined || !worker.isConnected()) {
      this.options.logger.warn({ serverId }, 'sticky primary: no live worker; answered 503');
      refuse(socket, 503);
      return;
    }
    const id = this.nextId++;
    this.awaiting.set(id, { socket, worker });
    worker.send(connectionMessage(id, head), socket, { keepOpen: true }, (error) => {
      if (error === null) return;
      this.options.logger.warn({ err: error, worker: worker.id }, 'sticky primary: hand-over failed');
      this.awaiting.delete(id);
      socket.destroy();
    });
  }
}

function exitOnSignals(primary: StickyPrimary): void {
  const shutDown = (): void => {
    primary.close().then(
      (clean) => process.exit(clean ? 0 : 1),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutDown);
  process.once('SIGINT', shutDown);
}

function once<T>(task: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= task());
}

function invalid(why: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `startStickyPrimary: ${why}`);
}

function integer(name: string, value: unknown, fallback: number, min: number, max = 2_147_483_647): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(`${name} must be a boolean, got ${String(value)}`);
  return value;
}

/** Applies the defaults; throws `ERR_INVALID_OPTION` on anything wrong. */
export function resolveStickyPrimaryOptions(options: StickyPrimaryOptions): Resolved {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  checkOptionKeys('startStickyPrimary', options, KNOWN_OPTIONS);
  const d = STICKY_PRIMARY_DEFAULTS;
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) {
    throw invalid(`host must be a non-empty string, got ${String(options.host)}`);
  }
  if (options.env !== undefined && typeof options.env !== 'function') throw invalid('env must be a function');
  return {
    port: integer('port', options.port ?? Number.NaN, 0, 0, 65_535),
    host: options.host,
    workers: integer('workers', options.workers, availableParallelism(), 1, 1_024),
    respawn: boolean('respawn', options.respawn, d.respawn),
    respawnDelay: integer('respawnDelay', options.respawnDelay, d.respawnDelay, 0),
    maxRequestLineBytes: integer('maxRequestLineBytes', options.maxRequestLineBytes, d.maxRequestLineBytes, 64),
    requestLineTimeout: integer('requestLineTimeout', options.requestLineTimeout, d.requestLineTimeout, 1),
    startTimeout: integer('startTimeout', options.startTimeout, d.startTimeout, 1),
    shutdownTimeout: integer('shutdownTimeout', options.shutdownTimeout, d.shutdownTimeout, 1),
    handleSignals: boolean('handleSignals', options.handleSignals, d.handleSignals),
    env: options.env ?? (() => ({})),
    logger: options.logger ?? stderrLogger,
  };
}
