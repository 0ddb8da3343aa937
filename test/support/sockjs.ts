/** URL helpers for the SockJS test services. */
import { randomUUID } from 'node:crypto';

/** Services every target provides. */
export type Service = 'echo' | 'close' | 'disabled_websocket_echo' | 'cookie_needed_echo' | 'ticker' | 'amplify' | 'broadcast';

/** A fresh session URL prefix: /<service>/000/<uuid> (no trailing slash). */
export function newSessionPath(service: Service = 'echo', serverId = '000'): string {
  return `/${service}/${serverId}/${randomUUID()}`;
}

/** ws:// URL for a path on the target. */
export function wsUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/^http/, 'ws') + path;
}

/** The close frame sent to a second receiver on a session that already has one. */
export const ANOTHER_CONNECTION_FRAME = 'c[2010,"Another connection still open"]';
/** The close frame the /close service produces. */
export const GO_AWAY_FRAME = 'c[3000,"Go away!"]';
/** The close frame a session may answer with after its receiver was aborted. */
export const INTERRUPTED_FRAME = 'c[1002,"Connection interrupted"]';

/** xhr-streaming prelude: 2048 'h' then a newline. */
export const XHR_STREAMING_PRELUDE = 'h'.repeat(2048) + '\n';
