import { callbackParameter, openReceiver, polling } from './http-transport';
import type { HttpTransport } from './types';

/** `GET .../jsonp?c=callback`: one frame per response, as a script calling `callback`. */
export const jsonpPolling: HttpTransport = {
  path: 'jsonp',
  method: 'GET',
  cors: false,
  handle(request) {
    const callback = callbackParameter(request);
    if (callback === undefined) return;
    // The leading comment stops a hostile callback name from forming a Flash/SWF signature
    // (Rosetta Flash, CVE-2014-4671); the endpoint's nosniff stops the body being read as anything
    // but script.
    const prefix = '/**/' + callback + '(';
    return openReceiver(
      request,
      polling('jsonp-polling', (frame) => prefix + JSON.stringify(frame) + ');\r\n'),
      'application/javascript; charset=UTF-8',
    );
  },
};
