/**
 * How long each part of the run takes. `full` is sized to finish in under ~10 minutes on a 2-core
 * machine; `quick` is a ~1-minute smoke run with fewer sessions (its numbers are indicative only).
 */
import type { ServerKind } from './results';

/** A fan-out load: sessions (or subscribers) per transport, bursts of `burst` messages of `size` bytes. */
export interface Fanout {
  websocket: number;
  xhrStreaming: number;
  burst: number;
  size: number;
  warmMs: number;
  measureMs: number;
}

export interface Profile {
  name: 'full' | 'quick';
  /** Repetitions of every measurement; the report shows medians. */
  reps: number;
  echo: { warmMs: number; measureMs: number; sessions: number[]; sizes: number[]; window: number };
  broadcast: Fanout;
  idle: { websocket: number; xhrStreaming: number; settleMs: number; cpuWindowMs: number; reducedAfterMs: number };
  setup: { concurrency: number; disconnectDelay: number; warmMs: number; measureMs: number };
  capacity: {
    websocket: number;
    xhrStreaming: number;
    heartbeatDelay: number;
    settleMs: number;
    /** The hold is measured in this many consecutive windows (its repetitions). */
    windows: number;
    windowMs: number;
    /** Most sessions one generator process holds. */
    perGenerator: number;
    /** Servers also measured at default settings over one 25 s window (one heartbeat per session). */
    defaultCheck: readonly ServerKind[];
  };
  /**
   * Cross-node fan-out: the broadcast load spread over each count of `nodes` (xhr-streaming: the
   * last only); then, for Redis's cost per publish, one websocket session per node and bursts of
   * `rateBurst`; Redis's idle CPU over `idleMs` before each, to take out of its per-publish figure.
   */
  cluster: Fanout & { nodes: readonly number[]; rateBurst: number; idleMs: number };
  /** STOMP fan-out, its subscribers on plain websocket (/stomp-ws, and RabbitMQ's /ws) and SockJS xhr-streaming (/stomp). */
  stomp: Fanout & {
    /** /app/echo round trips: clients, SENDs in flight per client, body bytes. */
    echoClients: number;
    echoWindow: number;
    echoSize: number;
  };
}

export const FULL: Profile = {
  name: 'full',
  reps: 3,
  echo: { warmMs: 400, measureMs: 1200, sessions: [1, 50], sizes: [32, 1024], window: 10 },
  broadcast: { websocket: 2000, xhrStreaming: 500, burst: 10, size: 32, warmMs: 500, measureMs: 1500 },
  idle: { websocket: 5000, xhrStreaming: 1000, settleMs: 1000, cpuWindowMs: 2000, reducedAfterMs: 10_000 },
  setup: { concurrency: 16, disconnectDelay: 500, warmMs: 800, measureMs: 2000 },
  capacity: {
    websocket: 20_000,
    xhrStreaming: 2000,
    heartbeatDelay: 1000,
    settleMs: 1500,
    windows: 3,
    windowMs: 3000,
    perGenerator: 8000,
    defaultCheck: ['ours', 'sockjs-node'],
  },
  cluster: {
    websocket: 2000,
    xhrStreaming: 500,
    burst: 10,
    size: 32,
    warmMs: 1000,
    measureMs: 2000,
    nodes: [1, 2, 3],
    rateBurst: 50,
    idleMs: 1000,
  },
  stomp: {
    websocket: 1000,
    xhrStreaming: 200,
    burst: 10,
    size: 32,
    warmMs: 500,
    measureMs: 2000,
    echoClients: 50,
    echoWindow: 1,
    echoSize: 32,
  },
};

export const QUICK: Profile = {
  name: 'quick',
  reps: 1,
  echo: { warmMs: 150, measureMs: 300, sessions: [1, 50], sizes: [32, 1024], window: 10 },
  broadcast: { websocket: 300, xhrStreaming: 100, burst: 10, size: 32, warmMs: 200, measureMs: 500 },
  idle: { websocket: 1000, xhrStreaming: 200, settleMs: 300, cpuWindowMs: 500, reducedAfterMs: 0 },
  setup: { concurrency: 16, disconnectDelay: 300, warmMs: 400, measureMs: 500 },
  capacity: {
    websocket: 1000,
    xhrStreaming: 100,
    heartbeatDelay: 1000,
    settleMs: 500,
    windows: 1,
    windowMs: 1500,
    perGenerator: 8000,
    defaultCheck: [],
  },
  cluster: {
    websocket: 300,
    xhrStreaming: 100,
    burst: 10,
    size: 32,
    warmMs: 200,
    measureMs: 500,
    nodes: [1, 3],
    rateBurst: 50,
    idleMs: 300,
  },
  stomp: {
    websocket: 200,
    xhrStreaming: 50,
    burst: 10,
    size: 32,
    warmMs: 200,
    measureMs: 600,
    echoClients: 10,
    echoWindow: 1,
    echoSize: 32,
  },
};
