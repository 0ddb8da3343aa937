import { TEXT_PLAIN } from './http/respond';
import { receive, type BodyFormat } from './incoming';
import type { HttpTransport } from './types';

/** The body is the JSON itself, sent with any of the types sockjs-client and older clients use. */
const TEXT_BODY: BodyFormat = {
  types: new Set(['', 'text/plain', 't', 'application/json', 'application/xml', 'text/xml']),
  json: (_type, body) => body,
};

/** `POST .../xhr_send`: messages from the client, answered 204. */
export const xhrSend: HttpTransport = {
  path: 'xhr_send',
  method: 'POST',
  readsBody: true,
  cors: true,
  async handle(request) {
    if (!(await receive(request, 'xhr_send', TEXT_BODY))) return;
    request.res.setHeader('Content-Type', TEXT_PLAIN);
    request.res.writeHead(204);
    request.res.end();
  },
};
