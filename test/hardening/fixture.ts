/**
 * The one server the hostile-input table runs against, and the end-to-end health check run after
 * every row. Endpoints:
 *
 *   /hard    echo with small limits (text 1024 B, request 4096 B, body timeout 500 ms), only
 *            http://good.example may use it cross-origin
 *   /full    echo with maxSessions 2 (the capacity rows fill it)
 *   /nullok  echo that lists the opaque origin 'null'
 *   /gated   echo with maxSessions 2 whose handshake interceptor waits for `gate.release()`, so
 *            that many handshakes are under way at once (disconnectDelay 100 ms)
 *
 * A message "__close__" makes the echo close its session with 3001 "bye".
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import {
  createEndpoint,
  type CloseInfo,
  type EndpointOptions,
  type SockJsEndpoint,
  type SockJsHandler,
} from '../../server';
import { RecordingLogger, type LogEntry } from '../support/logger';
import { POST } from '../support/raw-http';
import { RawWs } from '../support/raw-ws';
import { listenTracked } from '../support/servers';
import { withTimeout } from '../support/wait';

export const LIMITS = { maxTextMessageBytes: 1024, maxRequestBytes: 4096, bodyTimeout: 500 } as const;
export const GOOD_ORIGIN = 'http://good.example';
export const CLOSE_COMMAND = '__close__';

/** What one endpoint's handler saw. */
export interface HandlerRecord {
  opened: number;
  closed: Array<{ id: string; transport: string; info: CloseInfo }>;
  messages: Map<string, string[]>;
}

/** Holds every handshake of /gated until released. */
export class Gate {
  /** Handshakes waiting at the gate now. */
  arrivals = 0;
  private open: () => void = () => undefined;
  private opened: Promise<void> = this.nextOpening();

  /** The promise the next waiters get; arms `open` to resolve it. */
  private nextOpening(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.open = resolve;
    });
  }

  wait(): Promise<void> {
    this.arrivals++;
    return this.opened;
  }

  /** Lets every waiting handshake through; later ones wait for the next release. */
  release(): void {
    this.arrivals = 0;
    const open = this.open;
    this.opened = this.nextOpening();
    open();
  }
}

export interface Fixture {
  server: Server;
  port: number;
  hard: SockJsEndpoint;
  full: SockJsEndpoint;
  nullok: SockJsEndpoint;
  gated: SockJsEndpoint;
  gate: Gate;
  record: HandlerRecord;
  /** Everything the endpoints logged. */
  logs: readonly LogEntry[];
  /** Errors thrown out of the process's reach (uncaught), as `uncaughtExceptionMonitor` saw them. */
  uncaught: Error[];
  /** Server-side sockets by the client's `address:port`. */
  serverSocket(localAddress: string, localPort: number): Socket | undefined;
  close(): Promise<void>;
}

function echo(record: HandlerRecord): SockJsHandler {
  return {
    onOpen: () => {
      record.opened++;
    },
    onMessage: (session, message) => {
      const seen = record.messages.get(session.id) ?? [];
      seen.push(message);
      record.messages.set(session.id, seen);
      if (message === CLOSE_COMMAND) session.close(3001, 'bye');
      else session.send(message);
    },
    onClose: (session, info) => {
      record.closed.push({ id: session.id, transport: session.transport, info });
    },
  };
}

export async function startFixture(): Promise<Fixture> {
  const uncaught: Error[] = [];
  const onUncaught = (error: Error): void => {
    uncaught.push(error);
  };
  process.on('uncaughtExceptionMonitor', onUncaught);
  const record: HandlerRecord = { opened: 0, closed: [], messages: new Map() };
  const logger = new RecordingLogger();
  const make = (options: Omit<EndpointOptions, 'handler' | 'logger'>): SockJsEndpoint =>
    createEndpoint({ ...options, handler: echo(record), logger });
  const hard = make({ prefix: '/hard', ...LIMITS, allowedOrigins: [GOOD_ORIGIN] });
  const full = make({ prefix: '/full', maxSessions: 2 });
  const nullok = make({ prefix: '/nullok', allowedOrigins: ['null'] });
  const gate = new Gate();
  const gated = make({
    prefix: '/gated',
    maxSessions: 2,
    disconnectDelay: 100,
    interceptors: [{ beforeHandshake: () => gate.wait() }],
  });
  const endpoints = [hard, full, nullok, gated];
  const server = createServer((req, res) => {
    if (endpoints.some((endpoint) => endpoint.handleRequest(req, res))) return;
    res.writeHead(404);
    res.end('not ours');
  });
  for (const endpoint of endpoints) endpoint.attach(server);
  const sockets = new Map<string, Socket>();
  server.on('connection', (socket: Socket) => {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    sockets.set(key, socket);
    socket.once('close', () => sockets.delete(key));
  });
  const listening = await listenTracked(server);
  return {
    server,
    port: listening.port,
    hard,
    full,
    nullok,
    gated,
    gate,
    record,
    logs: logger.entries,
    uncaught,
    serverSocket: (localAddress, localPort) => sockets.get(`${localAddress}:${localPort}`),
    close: async () => {
      gate.release();
      await Promise.all(endpoints.map((endpoint) => endpoint.close({ flushTimeout: 0 })));
      await withTimeout(listening.close(), 'the server to close');
      process.off('uncaughtExceptionMonitor', onUncaught);
    },
  };
}

/**
 * One well-behaved session end to end on each of websocket and xhr-polling: open, echo, close by
 * the server. Proves the server still works after whatever the previous row threw at it.
 */
export async function assertHealthy(fixture: Fixture, label: string): Promise<void> {
  const { port } = fixture;
  const ws = await RawWs.open(port, `/hard/000/${randomUUID()}/websocket`);
  try {
    assert.equal(await ws.nextText(), 'o', `health (${label}): websocket open frame`);
    await ws.text('["health"]');
    assert.equal(await ws.nextText(), 'a["health"]', `health (${label}): websocket echo`);
    await ws.text(JSON.stringify([CLOSE_COMMAND]));
    const end = await ws.untilClose();
    assert.deepEqual(end.messages, ['c[3001,"bye"]'], `health (${label}): websocket close frame`);
    assert.equal(end.code, 1000, `health (${label}): websocket close code`);
  } finally {
    ws.destroy();
  }
  const session = `/hard/000/${randomUUID()}`;
  const step = async (
    path: string,
    body: string | undefined,
    status: number,
    expected: string,
    what: string,
  ): Promise<void> => {
    const r = await POST(port, session + path, body === undefined ? {} : { body });
    assert.equal(r.status, status, `health (${label}): ${what} status (body ${JSON.stringify(r.body)})`);
    assert.equal(r.body, expected, `health (${label}): ${what} body`);
  };
  await step('/xhr', undefined, 200, 'o\n', 'xhr open');
  await step('/xhr_send', '["health"]', 204, '', 'xhr_send');
  await step('/xhr', undefined, 200, 'a["health"]\n', 'xhr echo');
  await step('/xhr_send', JSON.stringify([CLOSE_COMMAND]), 204, '', 'xhr_send close');
  await step('/xhr', undefined, 200, 'c[3001,"bye"]\n', 'xhr close frame');
}
