import { openReceiver, streaming } from './http-transport';
import type { HttpTransport } from './types';

/** Event data may not carry raw CR, LF or NUL; `%` is escaped too so the client can unescape. */
const UNSAFE = /[%\r\n\x00]/g;
const ESCAPES: Readonly<Record<string, string>> = { '%': '%25', '\r': '%0D', '\n': '%0A', '\x00': '%00' };

function escapeData(frame: string): string {
  return frame.replace(UNSAFE, (char) => ESCAPES[char] as string);
}

const spec = streaming('eventsource', (frame) => 'data: ' + escapeData(frame) + '\r\n\r\n');

/** `GET .../eventsource`: server-sent events. */
export const eventsource: HttpTransport = {
  path: 'eventsource',
  method: 'GET',
  cors: false,
  handle(request) {
    const { req, res } = request;
    // EventSource requests are CORS-checked by the browser too; an opaque origin gets `*`.
    const origin = req.headers.origin;
    if (origin === undefined || origin === 'null') {
      res.setHeader('Access-Control-Allow-Origin', '*');
    } else {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    res.setHeader('Vary', 'Origin');
    return openReceiver(request, spec, 'text/event-stream', '\r\n');
  },
};
