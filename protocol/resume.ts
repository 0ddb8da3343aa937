/**
 * The resume extension (docs/resume.md), pure so that server and client share it. A client that
 * finds `resume` in `/info` opens its session with `?resume=new` and, on every later receiving
 * request, says how many messages it has received (`?resume=<count>`): the server resends what
 * came after, and answers with `r<count>`, how many of the client's messages it has delivered.
 * The client numbers its batches (`r<seq>,<ack>[...]`) so that one sent again is delivered once.
 * Nothing here is sent to a client that did not ask for it.
 */

/** The query parameter, on receiving requests and websocket upgrades. */
export const RESUME_PARAM = 'resume';
/** Its value on the request that opens a resumable session. */
export const RESUME_NEW = 'new';
/** The version `/info` advertises; a client that does not know it does not resume. */
export const RESUME_VERSION = 1;
/** Shortest id of a resumable session: the id is its only credential, so it must not be guessable. */
export const RESUME_MIN_ID_LENGTH = 16;

/** What `/info` says under `resume` when the server offers it. */
export interface ResumeOffer {
  readonly version: number;
  /** Ms a session waits for its client to come back after a connection is lost. */
  readonly window: number;
  /** Bytes of unconfirmed messages the server keeps per session (it sends no more until confirmed). */
  readonly maxBytes: number;
}

/** A count on the wire: a decimal integer without sign or leading zeros, at most 2^53 − 1. */
const COUNT = /^(?:0|[1-9][0-9]{0,15})$/;

export function parseCount(text: string): number | undefined {
  if (!COUNT.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `r<count>`: the server has delivered `count` of the client's messages. */
export function resumeFrame(delivered: number): string {
  return 'r' + String(delivered);
}

/** The `resume` parameter of a query string (without `?`): absent, `new`, a count, or invalid. */
export function resumeParameter(query: string): undefined | 'new' | number | 'invalid' {
  const key = RESUME_PARAM + '=';
  if (!query.includes(key)) return undefined;
  // Its values (`new`, digits) need no percent-decoding: the first `resume=` is the one.
  const pair = query.split('&').find((part) => part.startsWith(key));
  if (pair === undefined) return undefined;
  const value = pair.slice(key.length);
  if (value === RESUME_NEW) return RESUME_NEW;
  return parseCount(value) ?? 'invalid';
}

/** A client's numbered batch: its first message's number, what it has received, the JSON array. */
export interface ResumeBatch {
  readonly seq: number;
  readonly ack: number;
  readonly payload: string;
}

/** `r<seq>,<ack>` then the JSON array of messages (empty for an acknowledgement alone). */
export function encodeResumeBatch(seq: number, ack: number, messagesJson: string): string {
  return 'r' + String(seq) + ',' + String(ack) + messagesJson;
}

/** A numbered batch, or undefined when `text` is not one (then it is not SockJS framing either). */
export function parseResumeBatch(text: string): ResumeBatch | undefined {
  if (text.charCodeAt(0) !== 114 /* r */) return undefined;
  const comma = text.indexOf(',');
  const open = text.indexOf('[');
  if (comma === -1 || open < comma) return undefined;
  const seq = parseCount(text.slice(1, comma));
  const ack = parseCount(text.slice(comma + 1, open));
  if (seq === undefined || ack === undefined) return undefined;
  return { seq, ack, payload: text.slice(open) };
}

/**
 * `c[code,"reason"]` as an xhr_send body: the client of a resumable session closes it (over HTTP,
 * where nothing else could say so, the session would wait out the window).
 */
export function encodeClientClose(code: number, reason: string): string {
  return 'c' + JSON.stringify([code, reason]);
}

/** The code and reason of a client's close, or undefined when `text` is not one. */
export function parseClientClose(text: string): { code: number; reason: string } | undefined {
  if (text.charCodeAt(0) !== 99 /* c */) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(1));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [code, reason] = value as unknown[];
  return typeof code === 'number' && typeof reason === 'string' ? { code, reason } : undefined;
}
