import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type SockJsError } from '../protocol';

/** Answers an upgrade request that will not become a websocket, then closes the connection. */
export function refuseUpgrade(socket: Duplex, status: number, body = '', headers: Record<string, string> = {}): void {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (body !== '') head += `Content-Type: text/plain; charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  socket.end(head + '\r\n' + body);
}

export function refuseWithError(socket: Duplex, error: SockJsError): void {
  refuseUpgrade(socket, error.status, error.body);
}
