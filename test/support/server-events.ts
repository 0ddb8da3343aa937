/**
 * Observing the in-process server under test, so tests can wait for "the server
 * has received request X" or "the server saw connection X close" instead of sleeping.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { DEFAULT_WAIT_MS, withTimeout } from './wait';

/**
 * Resolves with the server-side request object of the next request arriving on
 * the TCP connection whose client-side port is `clientPort`. Call it before
 * sending the request.
 */
export function requestArrival(
  server: Server,
  clientPort: number,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<IncomingMessage> {
  let listener: ((req: IncomingMessage) => void) | undefined;
  const arrived = new Promise<IncomingMessage>((resolve) => {
    listener = (req: IncomingMessage) => {
      if (req.socket.remotePort === clientPort) resolve(req);
    };
    server.on('request', listener);
  });
  return withTimeout(arrived, `the server to receive a request from client port ${clientPort}`, timeoutMs).finally(
    () => {
      if (listener) server.removeListener('request', listener);
    },
  );
}

/** Resolves when a server-side socket has closed. */
export function socketClosed(socket: Socket, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return withTimeout(
    new Promise<void>((resolve) => socket.once('close', () => resolve())),
    'the server-side socket to close',
    timeoutMs,
  );
}
