/**
 * Listening so that closing never waits for a client: every connection the server accepts is
 * tracked (upgraded websockets included, which the http server itself forgets), and `close()`
 * destroys those left. Port 0 picks a free port.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Listening {
  readonly server: Server;
  readonly port: number;
  /** e.g. http://127.0.0.1:43210 (no trailing slash) */
  readonly baseUrl: string;
  /** Connections accepted and not yet closed (upgraded ones included). */
  readonly openConnections: number;
  /** Stops listening and destroys every connection still open. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
}

export async function listenTracked(server: Server, options: ListenOptions = {}): Promise<Listening> {
  const sockets = trackConnections(server);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return tracked(server, sockets, { host, port }, () => new Promise((resolve) => server.close(() => resolve())));
}

/**
 * The same for a server that does not listen itself: `accept` makes it take connections from
 * elsewhere (a node:cluster worker's, from the sticky primary at `options`' address) and returns
 * how to stop taking them.
 */
export function acceptTracked(
  server: Server,
  accept: (server: Server) => { stop(): void },
  options: ListenOptions = {},
): Listening {
  const sockets = trackConnections(server);
  const accepting = accept(server);
  return tracked(server, sockets, { host: options.host ?? '127.0.0.1', port: options.port ?? 0 }, async () => {
    accepting.stop();
    server.close();
  });
}

function trackConnections(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

function tracked(
  server: Server,
  sockets: Set<Socket>,
  address: { host: string; port: number },
  closeServer: () => Promise<void>,
): Listening {
  const { host, port } = address;
  return {
    server,
    port,
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    get openConnections() {
      return sockets.size;
    },
    close() {
      const closed = closeServer();
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}
