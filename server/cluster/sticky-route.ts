/**
 * Where the sticky primary sends a connection, from its first bytes alone: the request line, the
 * SockJS server id in its path (the same rule as demo/proxy/nginx/sticky.conf's map), and a worker
 * picked by rendezvous hashing of that id. Pure functions: no sockets, no processes.
 */

/** What the first bytes of a connection say so far. */
export type RequestLineRead =
  | { readonly state: 'incomplete' }
  | { readonly state: 'too-long' }
  | { readonly state: 'complete'; readonly line: string };

/** A request line: `GET /echo/123/abc/xhr_streaming HTTP/1.1`. */
export interface RequestLine {
  readonly method: string;
  readonly target: string;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * The request line in `head` (the bytes read so far), without its CRLF; `too-long` once `maxBytes`
 * have come without one. Empty lines before it are skipped, as RFC 9112 §2.2 asks of servers.
 */
export function readRequestLine(head: Buffer, maxBytes: number): RequestLineRead {
  let start = 0;
  while (start < head.length && (head[start] === CR || head[start] === LF)) start++;
  const end = head.indexOf(LF, start);
  if (end === -1 || end - start > maxBytes) return { state: head.length > maxBytes ? 'too-long' : 'incomplete' };
  const line = head.subarray(start, end > start && head[end - 1] === CR ? end - 1 : end);
  return { state: 'complete', line: line.toString('latin1') };
}

// RFC 9110 token for the method, a target without spaces or controls, HTTP/x.y.
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e\x80-\xff]+) HTTP\/\d\.\d$/;

/** The method and target of a well-formed request line, or undefined (answered 400). */
export function parseRequestLine(line: string): RequestLine | undefined {
  const match = REQUEST_LINE.exec(line);
  if (!match?.[1] || !match[2]) return undefined;
  return { method: match[1], target: match[2] };
}

/** The SockJS transports whose URL holds a session: `/{prefix...}/{server}/{session}/{transport}`. */
const SESSION_PATH =
  /^(?:\/[^/]+)*\/([^/.]+)\/[^/.]+\/(?:xhr|xhr_send|xhr_streaming|eventsource|htmlfile|jsonp|jsonp_send|websocket)\/?$/;

/**
 * The server id of a session URL (the segment two before the transport), or undefined for every
 * other target (`/info`, `/iframe.html`, the raw websocket, `*`...). The path is read without its
 * query and percent-decoded, as nginx's `$uri`; an absolute-form target (`http://host/path`) counts
 * by its path.
 */
export function serverIdOf(target: string): string | undefined {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  const rest = absolute ? target.slice(absolute[0].length) : target;
  const path = rest.split(/[?#]/, 1)[0] ?? '';
  return SESSION_PATH.exec(decodePath(path))?.[1];
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    // Bad percent-encoding: matched as it came (it then names no session, or a server id as written).
    return path;
  }
}

/**
 * A 32-bit hash with good spread over short keys: FNV-1a over the UTF-16 code units, then
 * murmur3's finalizer, so that keys differing in one digit land far apart.
 */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Rendezvous (highest random weight) hashing: the worker whose hash with `key` is highest. Every key
 * keeps its worker while that worker is live, whoever else comes or goes; a worker's removal moves
 * only its own keys, spread over the others. Ties (one in 2^32) go to the smaller worker name.
 * Undefined when no worker is live.
 */
export function pickWorker<T extends string>(key: string, workers: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestWeight = -1;
  for (const worker of workers) {
    const weight = hash32(`${worker}\n${key}`);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && worker < best)) {
      best = worker;
      bestWeight = weight;
    }
  }
  return best;
}
