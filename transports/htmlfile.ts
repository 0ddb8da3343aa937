import { callbackParameter, openReceiver, streaming } from './http-transport';
import type { HttpTransport } from './types';

/**
 * A page that calls back into its parent for every frame. Padded past 1 KiB because some browsers
 * render nothing of a page before that.
 */
function page(callback: string): string {
  const head = [
    '<!doctype html>',
    '<html><head>',
    '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />',
    '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />',
    "</head><body><h2>Don't panic!</h2>",
    '  <script>',
    '    document.domain = document.domain;',
    `    var c = parent.${callback};`,
    '    c.start();',
    '    function p(d) {c.message(d);};',
    '    window.onload = function() {c.stop();};',
    '  </script>',
  ].join('\n');
  // 1023 + the callback's length: the same bytes the reference server sends.
  return head.padEnd(1023 + callback.length, ' ') + '\r\n\r\n';
}

/** `<` is escaped so no message can close the script element it is written into. */
function scriptFormat(frame: string): string {
  return '<script>\np(' + JSON.stringify(frame).replace(/</g, '\\u003c') + ');\n</script>\r\n';
}

const spec = streaming('htmlfile', scriptFormat);

/** `GET .../htmlfile?c=callback`: a forever-loading page of script tags (old IE). */
export const htmlfile: HttpTransport = {
  path: 'htmlfile',
  method: 'GET',
  cors: false,
  handle(request) {
    const callback = callbackParameter(request);
    if (callback === undefined) return;
    return openReceiver(request, spec, 'text/html; charset=UTF-8', page(callback));
  },
};
