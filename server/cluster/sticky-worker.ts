/**
 * The worker's side of the sticky primary: connections handed over by the primary (with the bytes
 * it read) become connections of an http.Server that does not listen itself.
 */
import type { Server } from 'node:http';
import { Socket } from 'node:net';
import { SockJsError } from '../../protocol';
import { acceptedMessage, isConnectionMessage, READY_MESSAGE, STICKY_WORKER_ENV } from './sticky-messages';

export interface StickyWorker {
  /** This worker's slot (0 to workers - 1); a replacement takes the slot, and the server ids, of the one it replaces. */
  readonly index: number;
  /** Connections handed over from now on are closed at once (call it when the server shuts down). */
  stop(): void;
}

/** The slot given by the primary in the environment, if this process is one of its workers. */
export function stickyWorkerIndex(): number | undefined {
  const value = process.env[STICKY_WORKER_ENV];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Makes `server` take the connections the sticky primary hands to this worker. The primary routed
 * each connection by its first request only, and a later request on the same connection may belong
 * to a session of another worker (browsers and agents pool connections), so a handed-over
 * connection carries one request: its response says `Connection: close` and the server closes the
 * connection once it is sent; and `server.maxRequestsPerSocket = 1`, so a request pipelined behind
 * it (or sent by a client that ignores the close) is answered 503 without reaching the application.
 * Websocket upgrades are unaffected (one connection per session). Tells the primary that this
 * worker is ready. Throws `ERR_CLUSTER_ROLE` in a process not forked by `startStickyPrimary`.
 */
export function acceptStickyConnections(server: Server): StickyWorker {
  const index = stickyWorkerIndex();
  const send = process.send?.bind(process);
  if (index === undefined || send === undefined) {
    throw new SockJsError(
      'ERR_CLUSTER_ROLE',
      `acceptStickyConnections: call it in a worker forked by startStickyPrimary (${STICKY_WORKER_ENV} is not set)`,
    );
  }
  const handedOver = new WeakSet<Socket>();
  server.maxRequestsPerSocket = 1;
  // `maxRequestsPerSocket` alone only says `Connection: close` and leaves the closing to the
  // client; the header set here makes Node close the connection itself after the response.
  server.prependListener('request', (req, res) => {
    if (handedOver.has(req.socket)) res.setHeader('Connection', 'close');
  });
  let stopped = false;
  process.on('message', (message: unknown, handle: unknown) => {
    if (!isConnectionMessage(message)) return;
    // Acknowledged even without a handle (Node drops one whose socket closed in transit): the primary forgets it.
    send(acceptedMessage(message.id));
    if (!(handle instanceof Socket)) return;
    if (stopped) {
      handle.destroy();
      return;
    }
    handedOver.add(handle);
    handOver(server, handle, Buffer.from(message.head, 'base64'));
  });
  send(READY_MESSAGE);
  return {
    index,
    stop() {
      stopped = true;
    },
  };
}

/**
 * The bytes the primary read go back in front of the stream before the server sees the connection,
 * so that its parser reads the request from its first byte, then whatever the kernel still holds.
 */
function handOver(server: Server, socket: Socket, head: Buffer): void {
  if (head.length > 0) socket.unshift(head);
  server.emit('connection', socket);
}
