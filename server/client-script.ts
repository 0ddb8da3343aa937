import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SockJsError } from '../protocol';

/** The installed sockjs-client, served by the endpoint so the iframe transports work offline. */
export interface ClientScript {
  /** Path under the prefix, named by content hash so it can be cached for a year. */
  readonly path: string;
  readonly body: Buffer;
}

export function loadClientScript(): ClientScript {
  let file: string;
  try {
    file = require.resolve('sockjs-client/dist/sockjs.min.js');
  } catch (error) {
    throw new SockJsError(
      'ERR_CLIENT_SCRIPT_MISSING',
      // A dependency of this package, so missing only from a pruned or hand-made node_modules.
      'sockjs-client is not installed: run `npm install sockjs-client`, or set clientScriptUrl to where browsers can load it',
      { cause: error },
    );
  }
  const body = readFileSync(file);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/sockjs-client.${hash}.min.js`, body };
}
