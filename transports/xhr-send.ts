import { TEXT_PLAIN } from './http/respond';
import { receive } from './incoming';
import type { HttpTransport } from './types';

/** Body types sockjs-client and older clients send; anything else counts as no payload. */
const TEXT_TYPES = new Set(['', 'text/plain', 't', 'application/json', 'application/xml', 'text/xml']);

/** `POST .../xhr_send`: messages from the client, answered 204. */
export const xhrSend: HttpTransport = {
  path: 'xhr_send',
  method: 'POST',
  readsBody: true,
  cors: true,
  async handle(request) {
    if (!(await receive(request, 'xhr_send', (type, body) => (TEXT_TYPES.has(type) ? body : '')))) return;
    request.res.setHeader('Content-Type', TEXT_PLAIN);
    request.res.writeHead(204);
    request.res.end();
  },
};
