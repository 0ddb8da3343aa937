/**
 * What a response the cutter cut had carried, read with the protocol's own frame parser: the
 * cutter sees raw bytes (the head of each response, the chunk it swallowed), and a cut may fall in
 * the middle of a frame, so only whole frames count.
 */
import { XHR_STREAMING_PRELUDE, parseFrameLines, type Frame } from '../../protocol';
import type { Exchange } from './cutter';

/** The body of a close-delimited response as far as the cutter saw it (from its head). */
export function bodyOf(exchange: Exchange): string | undefined {
  const end = exchange.head.indexOf('\r\n\r\n');
  return end < 0 ? undefined : exchange.head.slice(end + 4);
}

/** Has the response begun as an xhr-streaming response does? */
export function startedStreaming(exchange: Exchange): boolean {
  return (bodyOf(exchange) ?? '').startsWith(XHR_STREAMING_PRELUDE);
}

/** The whole frames of a body, after the xhr-streaming prelude if it has one. */
function framesAfterPrelude(body: string): { frames: Frame[]; other: string[] } {
  return parseFrameLines(body.startsWith(XHR_STREAMING_PRELUDE) ? body.slice(XHR_STREAMING_PRELUDE.length) : body);
}

/** How many heartbeats a fresh stream carried, if it carried nothing else (after the prelude). */
export function heartbeatsOnly(exchange: Exchange): number | undefined {
  const body = bodyOf(exchange);
  if (body === undefined || !body.startsWith(XHR_STREAMING_PRELUDE)) return undefined;
  const { frames, other } = framesAfterPrelude(body);
  return other.length === 0 && frames.every((frame) => frame.type === 'heartbeat') ? frames.length : undefined;
}

/** `prelude + o + 12 message frames + 1 heartbeat` */
export function describeCarried(exchange: Exchange): string {
  const { frames } = framesAfterPrelude(bodyOf(exchange) ?? '');
  const opened = frames[0]?.type === 'open' ? 1 : 0;
  const heartbeats = frames.filter((frame) => frame.type === 'heartbeat').length;
  const messageFrames = frames.filter((frame) => frame.type === 'messages').length;
  const parts = [opened ? 'o' : '', plural(messageFrames, 'message frame'), plural(heartbeats, 'heartbeat')].filter(
    Boolean,
  );
  return `prelude + ${parts.length ? parts.join(' + ') : 'nothing'}${exchange.downBytes > exchange.head.length ? ' (and more)' : ''}`;
}

/** The messages of the whole `a[...]` frames in a piece of a response (the chunk a cut swallowed). */
export function messagesIn(text: string): string[] {
  return parseFrameLines(text).frames.flatMap((frame) => (frame.type === 'messages' ? frame.messages : []));
}

/** `3 heartbeats`, `1 heartbeat`, '' for none. */
function plural(count: number, noun: string): string {
  return count === 0 ? '' : `${count} ${noun}${count === 1 ? '' : 's'}`;
}
