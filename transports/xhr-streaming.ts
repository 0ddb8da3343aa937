import { lineFormat, openReceiver, streaming } from './http-transport';
import type { HttpTransport } from './types';

const spec = streaming('xhr-streaming', lineFormat);

/** Some browsers (old IE) deliver nothing of an XHR stream until 2 KiB have arrived. */
const PRELUDE = 'h'.repeat(2048) + '\n';

/** `POST .../xhr_streaming`: frames stream, one line each, until `responseLimit`. */
export const xhrStreaming: HttpTransport = {
  path: 'xhr_streaming',
  method: 'POST',
  cors: true,
  handle(request) {
    return openReceiver(request, spec, 'application/javascript; charset=UTF-8', PRELUDE);
  },
};
