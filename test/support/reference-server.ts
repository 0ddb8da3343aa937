/**
 * The reference target: sockjs-node 0.3.24 serving the standard SockJS test
 * services, mounted the way sockjs-node's own examples/test_server does it.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { EventEmitter } from 'node:events';
import { listenTracked } from './servers';
import { nextTurn } from './wait';

/** The few parts of sockjs-node's API used here (the package ships no types). */
interface SockjsConnection extends EventEmitter {
  readonly id: string;
  /** Internal session; its pending timer (heartbeat or disconnect delay) lives in to_tref. */
  readonly _session?: { to_tref?: NodeJS.Timeout | null };
  write(data: string): boolean;
  close(code?: number, reason?: string): boolean;
}

interface SockjsServerOptions {
  sockjs_url?: string;
  log?: (severity: string, line: string) => void;
}

interface SockjsHandlerOptions {
  prefix: string;
  response_limit?: number;
  websocket?: boolean;
  jsessionid?: boolean;
}

interface SockjsServer extends EventEmitter {
  installHandlers(server: http.Server, options: SockjsHandlerOptions): boolean;
}

interface SockjsModule {
  createServer(options?: SockjsServerOptions): SockjsServer;
}

export interface ReferenceServer {
  server: http.Server;
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

function loadSockjs(): SockjsModule {
  return require('sockjs') as SockjsModule;
}

/** Every connection any service has seen, so close() can release their timers. */
const seenConnections = new Set<SockjsConnection>();

function onConnection(server: SockjsServer, handler: (conn: SockjsConnection) => void): SockjsServer {
  server.on('connection', (conn: SockjsConnection) => {
    seenConnections.add(conn);
    conn.on('close', () => seenConnections.delete(conn));
    handler(conn);
  });
  return server;
}

/**
 * sockjs-node keeps each closed-but-not-expired session alive with a 5 s
 * disconnect timer (25 s heartbeat while a receiver is attached). Those timers
 * are module-global and would hold the test process open after the server is
 * closed, so unref them: they still fire if the process lives, but no longer
 * keep it alive.
 */
function unrefSessionTimers(): void {
  for (const conn of seenConnections) conn._session?.to_tref?.unref();
}

export async function startReferenceServer(): Promise<ReferenceServer> {
  const sockjs = loadSockjs();
  const options: SockjsServerOptions = {
    // As in sockjs-node's test_server config.
    sockjs_url: 'http://localhost:8080/lib/sockjs.js',
    log: () => undefined,
  };

  const echo = onConnection(sockjs.createServer(options), (conn) => {
    conn.on('data', (m: string) => conn.write(m));
  });

  const close = onConnection(sockjs.createServer(options), (conn) => {
    conn.close(3000, 'Go away!');
  });

  const ticker = onConnection(sockjs.createServer(options), (conn) => {
    const timer = setInterval(() => conn.write('tick!'), 1000);
    timer.unref();
    conn.on('close', () => clearInterval(timer));
  });

  const members = new Map<string, SockjsConnection>();
  const broadcast = onConnection(sockjs.createServer(options), (conn) => {
    members.set(conn.id, conn);
    conn.on('close', () => members.delete(conn.id));
    conn.on('data', (m: string) => {
      for (const member of members.values()) member.write(m);
    });
  });

  const amplify = onConnection(sockjs.createServer(options), (conn) => {
    conn.on('data', (m: string) => {
      let n = Math.floor(Number(m));
      n = n > 0 && n < 19 ? n : 1;
      conn.write('x'.repeat(2 ** n));
    });
  });

  const server = http.createServer();
  // Fallbacks for anything no SockJS prefix claims; sockjs-node wraps these.
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.setHeader('content-type', 'text/plain');
    res.writeHead(404);
    res.end('404 - Nothing here (reference test server)');
  });
  server.on('upgrade', (_req: http.IncomingMessage, socket: Socket) => {
    socket.end();
  });

  echo.installHandlers(server, { prefix: '/echo', response_limit: 4096 });
  echo.installHandlers(server, { prefix: '/disabled_websocket_echo', websocket: false });
  echo.installHandlers(server, { prefix: '/cookie_needed_echo', jsessionid: true });
  close.installHandlers(server, { prefix: '/close' });
  ticker.installHandlers(server, { prefix: '/ticker' });
  amplify.installHandlers(server, { prefix: '/amplify' });
  broadcast.installHandlers(server, { prefix: '/broadcast' });

  const listening = await listenTracked(server);
  return {
    server,
    port: listening.port,
    baseUrl: listening.baseUrl,
    close: async () => {
      // Destroys every socket it has seen (upgraded websockets too), then stops listening.
      await listening.close();
      // Let the sessions react to their aborted receivers, then release their timers.
      await nextTurn();
      unrefSessionTimers();
    },
  };
}
