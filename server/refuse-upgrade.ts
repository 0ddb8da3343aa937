import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type SockJsError } from '../protocol';

/** Answers an upgrade request that will not become a websocket, then closes the connection. */
export function refuseUpgrade(socket: Duplex, status: number, body = '', headers: Record<string, string> = {}): void {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (body !== '') {
    // As on every other answer of the endpoint (see noSniff in http/headers.ts).
    head += `Content-Type: text/plain; charset=UTF-8\r\nX-Content-Type-Options: nosniff\r\n`;
    head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  }
  socket.end(head + '\r\n' + body);
}

export function refuseWithError(socket: Duplex, error: SockJsError): void {
  refuseUpgrade(socket, error.status, error.body);
}
