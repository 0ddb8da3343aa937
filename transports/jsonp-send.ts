import { TEXT_PLAIN } from './http/respond';
import { receive, type BodyFormat } from './incoming';
import type { HttpTransport } from './types';

const FORM = 'application/x-www-form-urlencoded';

/** A form post carries the JSON in its `d` field; a text body is the JSON itself. */
const FORM_OR_TEXT: BodyFormat = {
  types: new Set([FORM, 'text/plain', '']),
  json: (type, body) => (type === FORM ? (new URLSearchParams(body).get('d') ?? '') : body),
};

/** `POST .../jsonp_send`: messages from the jsonp-polling client, answered `ok`. */
export const jsonpSend: HttpTransport = {
  path: 'jsonp_send',
  method: 'POST',
  readsBody: true,
  cors: false,
  async handle(request) {
    if (!(await receive(request, 'jsonp_send', FORM_OR_TEXT))) return;
    request.res.setHeader('Content-Type', TEXT_PLAIN);
    request.res.setHeader('Content-Length', '2');
    request.res.writeHead(200);
    request.res.end('ok');
  },
};
