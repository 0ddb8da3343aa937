import { lineFormat, openReceiver, polling } from './http-transport';
import type { HttpTransport } from './types';

const spec = polling('xhr-polling', lineFormat);

/** `POST .../xhr`: one frame per response. */
export const xhrPolling: HttpTransport = {
  path: 'xhr',
  method: 'POST',
  cors: true,
  handle(request) {
    return openReceiver(request, spec, 'application/javascript; charset=UTF-8');
  },
};
