import { TEXT_PLAIN } from './http/respond';
import { receive } from './incoming';
import type { HttpTransport } from './types';

/** A form post carries the JSON in its `d` field; a text body is the JSON itself. */
function jsonOf(contentType: string, body: string): string {
  if (contentType === 'application/x-www-form-urlencoded') return new URLSearchParams(body).get('d') ?? '';
  if (contentType === 'text/plain' || contentType === '') return body;
  return '';
}

/** `POST .../jsonp_send`: messages from the jsonp-polling client, answered `ok`. */
export const jsonpSend: HttpTransport = {
  path: 'jsonp_send',
  method: 'POST',
  readsBody: true,
  cors: false,
  async handle(request) {
    if (!(await receive(request, 'jsonp_send', jsonOf))) return;
    request.res.setHeader('Content-Type', TEXT_PLAIN);
    request.res.setHeader('Content-Length', '2');
    request.res.writeHead(200);
    request.res.end('ok');
  },
};
