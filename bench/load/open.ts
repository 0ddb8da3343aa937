/** Opening client sessions, one or many at a time, on any transport; and the generator's load contract. */
import type { LatencySummary } from './histogram';
import { sourceAddress, type ClientSession, type SessionListener, type Target, type Transport } from './session';
import { WebSocketSession } from './websocket';
import { XhrSession } from './xhr';

/** What the generator reports for one measuring window. */
export interface LoadSample {
  /** Operations completed in the window: messages echoed, deliveries, sessions set up, heartbeats. */
  ops: number;
  wallMs: number;
  latency: LatencySummary;
  /** Sessions lost, replies that never came, wrong payloads. */
  errors: number;
  lastError: string;
  extra: Record<string, number>;
  /** The generator process's own CPU time over the window, µs (filled in by the generator). */
  cpuUs?: number;
}

/** A load running in the generator: counted from `mark()` to `collect()`, stopped by `close()`. */
export interface Load {
  mark(): void;
  collect(): LoadSample;
  close(): Promise<void>;
}

export function openSession(
  transport: Transport,
  target: Target,
  service: string,
  listener: SessionListener,
  localAddress?: string,
): ClientSession {
  return transport === 'websocket'
    ? new WebSocketSession(target, service, listener, localAddress)
    : new XhrSession(target, service, transport, listener, localAddress);
}

export interface OpenManyOptions {
  transport: Transport;
  target: Target;
  service: string;
  count: number;
  /** Sessions opening at once. */
  concurrency: number;
  /** Loopback source addresses to spread over (0: the kernel's choice). */
  sources: number;
  /** Offset of this generator's sessions, so several generators spread over the same sources. */
  offset?: number;
  timeoutMs: number;
  listener(index: number): SessionListener;
}

export interface Opened {
  sessions: ClientSession[];
  failed: number;
  lastError: string;
  ms: number;
}

/** Opens `count` sessions, `concurrency` at a time; resolves when each is open or failed (or on timeout). */
export function openMany(options: OpenManyOptions): Promise<Opened> {
  const started = performance.now();
  const sessions: ClientSession[] = [];
  let next = 0;
  let settled = 0;
  let failed = 0;
  let lastError = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(), options.timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      resolve({ sessions, failed: failed + (options.count - settled), lastError, ms: performance.now() - started });
    };
    const launch = (): void => {
      if (next >= options.count) return;
      const index = next++;
      const inner = options.listener(index);
      let pending = true;
      const done = (ok: boolean, why = ''): void => {
        if (!pending) return;
        pending = false;
        settled++;
        if (!ok) {
          failed++;
          lastError = why;
        }
        if (settled === options.count) finish();
        else launch();
      };
      const session = openSession(
        options.transport,
        options.target,
        options.service,
        {
          open: () => {
            inner.open?.();
            done(true);
          },
          messages: (messages) => inner.messages?.(messages),
          heartbeat: () => inner.heartbeat?.(),
          lost: (why) => {
            inner.lost?.(why);
            done(false, why);
          },
        },
        sourceAddress((options.offset ?? 0) + index, options.sources),
      );
      sessions.push(session);
    };
    if (options.count === 0) finish();
    for (let i = 0; i < Math.min(options.concurrency, options.count); i++) launch();
  });
}

export function closeAll(sessions: readonly ClientSession[]): Promise<void> {
  for (const session of sessions) session.close();
  // Let the close handshakes go out before the next step.
  return new Promise((resolve) => setTimeout(resolve, 100));
}
