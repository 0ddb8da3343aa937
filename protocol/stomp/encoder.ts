import { SockJsError } from '../errors';
import { escapeHeader } from './escape';
import type { StompFrame, StompVersion } from './frame';
import { headerValue, utf8ByteLength } from './frame';

export interface StompEncodeOptions {
  /**
   * When to add a `content-length` header the frame lacks: 'when-needed' (default) adds it only to a
   * body holding a NUL, which could not be framed otherwise; 'always' adds it to every non-empty body.
   */
  readonly contentLength?: 'when-needed' | 'always';
}

/**
 * The wire text of a frame: command, escaped headers (per version and command), a blank line, the
 * body, NUL. A `content-length` header the frame already has must match the body's UTF-8 bytes
 * (ERR_STOMP_CONTENT_LENGTH otherwise): writing a wrong one would break the receiver's framing.
 */
export function encodeFrame(frame: StompFrame, version: StompVersion, options: StompEncodeOptions = {}): string {
  const { command, headers, body } = frame;
  const bodyBytes = utf8ByteLength(body);
  const given = headerValue(frame, 'content-length');
  let lines = `${command}\n`;
  for (const [name, value] of headers) {
    lines += `${escapeHeader(name, 'name', command, version)}:${escapeHeader(value, 'value', command, version)}\n`;
  }
  if (given !== undefined) {
    if (given !== String(bodyBytes)) {
      throw new SockJsError('ERR_STOMP_CONTENT_LENGTH', `content-length ${given} but the body has ${bodyBytes} bytes`);
    }
  } else if (body.includes('\0') || (options.contentLength === 'always' && body.length > 0)) {
    lines += `content-length:${bodyBytes}\n`;
  }
  return `${lines}\n${body}\0`;
}

/** A heart-beat: one EOL between frames. */
export function encodeHeartBeat(): string {
  return '\n';
}
