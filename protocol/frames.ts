/**
 * SockJS frames, pure (no node: imports) so the client side can share it.
 *
 *   o                  open
 *   h                  heartbeat
 *   a["m1","m2"]       messages
 *   c[3000,"reason"]   close
 *   r5                 the resume extension's acknowledgement (docs/resume.md), to clients that asked for it
 */
import { parseCount } from './resume';

export const OPEN_FRAME = 'o';
export const HEARTBEAT_FRAME = 'h';

/**
 * What an xhr-streaming response starts with, before its first frame: some browsers (old IE)
 * deliver nothing of an XHR stream until 2 KiB have arrived.
 */
// Marked pure so that a bundle that does not use it (the browser client's) drops it.
export const XHR_STREAMING_PRELUDE = /* @__PURE__ */ 'h'.repeat(2048).concat('\n');

/**
 * Characters that browsers or proxies mangle or drop in transit, escaped as \uXXXX (lowercase hex).
 * JSON.stringify already escapes control characters and lone surrogates; paired surrogates, the
 * zero-width and direction marks, line/paragraph separators and the specials block it leaves raw.
 */
const UNSAFE_CHARS = /[\x00-\x1f\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/g;
const UNSAFE_CHAR = /[\x00-\x1f\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/;

function escapeChar(char: string): string {
  return '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0');
}

/** What makes a string need more than quotes around it: JSON escapes, or the characters above. */
const NEEDS_ESCAPING = /["\\\x00-\x1f\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/;

/** JSON-quotes a string the way SockJS expects on the wire. */
export function quote(text: string): string {
  // Most messages need no escaping at all: one regex scan (no JSON.stringify) tells, ~4x faster.
  if (!NEEDS_ESCAPING.test(text)) return '"' + text + '"';
  const json = JSON.stringify(text);
  return UNSAFE_CHAR.test(json) ? json.replace(UNSAFE_CHARS, escapeChar) : json;
}

/** An `a[...]` frame from messages already passed through `quote()`, in order. */
export function quotedMessageFrame(quoted: readonly string[]): string {
  return 'a[' + quoted.join(',') + ']';
}

/** An `a[...]` frame carrying the given messages, in order. */
export function messageFrame(messages: readonly string[]): string {
  let frame = 'a[';
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) frame += ',';
    frame += quote(messages[i] as string);
  }
  return frame + ']';
}

/** A `c[code,"reason"]` frame. */
export function closeFrame(code: number, reason: string): string {
  return 'c[' + String(code) + ',' + quote(reason) + ']';
}

/** Result of decoding a client's JSON payload (xhr_send, jsonp_send, websocket). */
export type DecodedMessages = { ok: true; messages: string[] } | { ok: false; problem: 'empty' | 'broken' };

/**
 * Decodes what a client sends: a JSON array of strings. A bare JSON string (which the websocket
 * transport also accepts) is returned as one message. Non-string elements are refused: the
 * protocol only carries text, and coercing them would hide client bugs.
 */
export function decodeMessages(payload: string, allowBareString = false): DecodedMessages {
  if (payload.length === 0) return { ok: false, problem: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { ok: false, problem: 'broken' };
  }
  if (allowBareString && typeof value === 'string') return { ok: true, messages: [value] };
  if (!Array.isArray(value)) return { ok: false, problem: 'empty' };
  for (const item of value) {
    if (typeof item !== 'string') return { ok: false, problem: 'broken' };
  }
  return { ok: true, messages: value as string[] };
}

/**
 * What a client sends: its messages as one JSON array (the body of `xhr_send`, a websocket
 * message), escaped as the server escapes its frames.
 */
export function encodeClientMessages(messages: readonly string[]): string {
  return '[' + messages.map(quote).join(',') + ']';
}

/** A frame as seen by a client. */
export type Frame =
  | { type: 'open' }
  | { type: 'heartbeat' }
  | { type: 'messages'; messages: string[] }
  | { type: 'close'; code: number; reason: string }
  /** Resume extension: the server has delivered `count` of the client's messages. */
  | { type: 'ack'; count: number };

/** Parses one frame received from a server; throws on anything that is not a SockJS frame. */
export function parseFrame(text: string): Frame {
  const kind = text.charAt(0);
  if (kind === 'o' && text.length === 1) return { type: 'open' };
  if (kind === 'h' && text.length === 1) return { type: 'heartbeat' };
  if (kind === 'r') {
    const count = parseCount(text.slice(1));
    if (count !== undefined) return { type: 'ack', count };
  }
  if (kind === 'a') {
    const decoded = decodeMessages(text.slice(1));
    if (decoded.ok) return { type: 'messages', messages: decoded.messages };
  }
  if (kind === 'c') {
    const value: unknown = JSON.parse(text.slice(1));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { type: 'close', code: value[0], reason: value[1] };
    }
  }
  throw new SyntaxError('Not a SockJS frame: ' + JSON.stringify(text.slice(0, 64)));
}

/** The frames found in newline-delimited text, and the lines that were not frames. */
export interface FrameLines {
  frames: Frame[];
  /** Non-empty lines that are not a whole frame: a frame cut at either end, the xhr-streaming prelude. */
  other: string[];
}

/**
 * Parses newline-delimited frames (an xhr-streaming or xhr-polling body). The text may be a piece
 * cut out of a stream, beginning or ending in the middle of a frame, so a line that is not a frame
 * is set aside rather than thrown on.
 */
export function parseFrameLines(text: string): FrameLines {
  const frames: Frame[] = [];
  const other: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      frames.push(parseFrame(line));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      other.push(line);
    }
  }
  return { frames, other };
}
