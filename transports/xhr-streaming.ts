import { XHR_STREAMING_PRELUDE } from '../protocol';
import { lineFormat, openReceiver, streaming } from './http-transport';
import type { HttpTransport } from './types';

const spec = streaming('xhr-streaming', lineFormat);

/** `POST .../xhr_streaming`: frames stream, one line each, until `responseLimit`. */
export const xhrStreaming: HttpTransport = {
  path: 'xhr_streaming',
  method: 'POST',
  cors: true,
  handle(request) {
    return openReceiver(request, spec, 'application/javascript; charset=UTF-8', XHR_STREAMING_PRELUDE);
  },
};
