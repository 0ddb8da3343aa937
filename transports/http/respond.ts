import type { ServerResponse } from 'node:http';
import { SockJsError } from '../../protocol';

export const TEXT_PLAIN = 'text/plain; charset=UTF-8';

/** Answers with a catalogued error: its status and the exact body the protocol expects. */
export function sendError(res: ServerResponse, error: SockJsError): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  if (error.status === 404) res.setHeader('Content-Type', TEXT_PLAIN);
  // A body that was not read to its end leaves the connection unusable for another request.
  if (error.status === 413 || error.status === 408) res.setHeader('Connection', 'close');
  res.setHeader('Content-Length', Buffer.byteLength(error.body));
  res.writeHead(error.status);
  res.end(error.body);
}

export function notFound(res: ServerResponse): void {
  sendError(res, new SockJsError('ERR_NOT_FOUND'));
}

export function methodNotAllowed(res: ServerResponse, methods: readonly string[]): void {
  res.writeHead(405, { Allow: methods.join(', ') });
  res.end();
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
}
