/**
 * What reached our server, and what nginx logged: the receiving requests of a session (the ones
 * that carry frames to the client, not xhr_send, not /info) by transport, in order. A fallback
 * shows here as one attempt per transport sockjs-client tried.
 */
import type { NginxProcess } from './nginx';
import type { RequestRecord } from './server';

/** `/echo/123/abcd/xhr_streaming?t=1` → `{ sessionId: 'abcd', transport: 'xhr_streaming' }` for a session URL of `prefix`. */
export function sessionUrl(url: string, prefix: string): { sessionId: string; transport: string } | undefined {
  const path = url.split('?')[0] ?? '';
  if (!path.startsWith(`${prefix}/`)) return undefined;
  const parts = path.slice(prefix.length + 1).split('/');
  if (parts.length !== 3) return undefined;
  const [, sessionId, transport] = parts;
  if (sessionId === undefined || transport === undefined) return undefined;
  return { sessionId, transport };
}

/** The session URLs' transport paths that carry frames to the client. */
export const RECEIVING_TRANSPORTS: ReadonlySet<string> = new Set([
  'websocket',
  'xhr_streaming',
  'eventsource',
  'htmlfile',
  'xhr',
  'jsonp',
]);

export interface Attempt {
  /** The transport path: websocket, xhr_streaming, eventsource, xhr... */
  transport: string;
  sessionId: string;
  /** The status our server answered (undefined: none yet, or the connection closed before). */
  status: number | undefined;
  /** The response is complete. */
  ended: boolean;
  /** The connection closed before the response was complete. */
  dropped: boolean;
}

/** The receiving requests (not xhr_send, not /info) of `prefix` that reached our server, in order. */
export function receivingRequests(requests: readonly RequestRecord[], prefix: string): Attempt[] {
  const attempts: Attempt[] = [];
  for (const request of requests) {
    const parsed = sessionUrl(request.url, prefix);
    if (!parsed || !RECEIVING_TRANSPORTS.has(parsed.transport)) continue;
    attempts.push({ ...parsed, status: request.status, ended: request.ended, dropped: request.dropped });
  }
  return attempts;
}

export interface AccessLogEntry {
  transport: string;
  status: number;
  /** Body bytes nginx sent the client. */
  bytes: number;
}

/** nginx's access log lines for the receiving requests of `prefix`. */
export function accessLogEntries(nginx: NginxProcess, prefix: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of nginx.accessLog().split('\n')) {
    const match = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d+) (\d+)/.exec(line);
    if (!match) continue;
    const parsed = sessionUrl(match[2] ?? '', prefix);
    if (!parsed || !RECEIVING_TRANSPORTS.has(parsed.transport)) continue;
    entries.push({ transport: parsed.transport, status: Number(match[3]), bytes: Number(match[4]) });
  }
  return entries;
}
