/** SockJS by hand: session URLs, the frames the tests compare against, and reading message frames. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { WsClient } from './ws-client';
import { DEFAULT_WAIT_MS } from './wait';

/** Services every target provides. */
export type Service =
  'echo' | 'close' | 'disabled_websocket_echo' | 'cookie_needed_echo' | 'ticker' | 'amplify' | 'broadcast';

/** A fresh session id (no `.` or `;`). */
export function newSessionId(): string {
  return randomUUID();
}

/** A fresh session URL prefix under an endpoint's prefix: `<prefix>/000/<uuid>` (no trailing slash). */
export function sessionPathUnder(prefix: string, serverId = '000'): string {
  return `${prefix}/${serverId}/${newSessionId()}`;
}

/** A fresh session URL prefix of one of the standard services: /<service>/000/<uuid> (no trailing slash). */
export function newSessionPath(service: Service = 'echo', serverId = '000'): string {
  return sessionPathUnder(`/${service}`, serverId);
}

/** A fresh SockJS websocket transport path under `prefix`. */
export function sockjsWsPath(prefix: string): string {
  return `${sessionPathUnder(prefix)}/websocket`;
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

/** xhr-streaming prelude: 2048 'h' then a newline (written out, not imported from protocol/: the tests check the server's bytes). */
export const XHR_STREAMING_PRELUDE = 'h'.repeat(2048) + '\n';

/** The messages of an `a[...]` frame. */
export function messagesOf(frame: string): string[] {
  assert.ok(frame.startsWith('a['), `not a message frame: ${frame.slice(0, 80)}`);
  const value: unknown = JSON.parse(frame.slice(1));
  assert.ok(Array.isArray(value) && value.every((m) => typeof m === 'string'), `bad frame ${frame}`);
  return value;
}

/** Frames of an xhr or xhr_streaming body: one per line, the streaming prelude left out. */
export function framesOf(body: string): string[] {
  const prelude = XHR_STREAMING_PRELUDE.slice(0, -1);
  return body.split('\n').filter((line) => line !== '' && line !== prelude);
}

/** Reads frames from a SockJS websocket (heartbeats skipped) until `count` messages have arrived. */
export async function readMessages(ws: WsClient, count: number, ms = DEFAULT_WAIT_MS): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const frame = await ws.next(`message ${out.length + 1} of ${count}`, ms);
    if (frame === 'h') continue;
    out.push(...messagesOf(frame));
  }
  return out;
}
