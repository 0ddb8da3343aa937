import { SockJsError } from '../errors';
import type { StompCommand, StompVersion } from './frame';

/**
 * Header escapes per version (STOMP 1.2 §Value Encoding): 1.2 has `\r \n \c \\`, 1.1 lacks `\r`,
 * 1.0 has none; CONNECT and CONNECTED frames are never escaped, since the version is not yet agreed
 * when they are written — nor is STOMP, which is CONNECT under its 1.2 name (sent just as early).
 */
const ESCAPES_1_1: Readonly<Record<string, string>> = { n: '\n', c: ':', '\\': '\\' };
const ESCAPES_1_2: Readonly<Record<string, string>> = { ...ESCAPES_1_1, r: '\r' };

function escapesFor(command: StompCommand, version: StompVersion): Readonly<Record<string, string>> | undefined {
  if (command === 'CONNECT' || command === 'STOMP' || command === 'CONNECTED' || version === '1.0') return undefined;
  return version === '1.2' ? ESCAPES_1_2 : ESCAPES_1_1;
}

/** Decodes the escapes of a header name or value; an escape the version lacks is ERR_STOMP_BAD_ESCAPE. */
export function unescapeHeader(raw: string, command: StompCommand, version: StompVersion): string {
  const escapes = escapesFor(command, version);
  if (escapes === undefined || !raw.includes('\\')) return raw;
  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i] as string;
    if (char !== '\\') {
      decoded += char;
      continue;
    }
    const next = raw[i + 1];
    const replacement = next === undefined ? undefined : escapes[next];
    if (replacement === undefined) {
      const sequence = next === undefined ? 'a lone "\\" at the end' : JSON.stringify(`\\${next}`);
      throw new SockJsError('ERR_STOMP_BAD_ESCAPE', `${sequence} in a STOMP ${version} header`);
    }
    decoded += replacement;
    i++;
  }
  return decoded;
}

/**
 * Escapes a header name or value for the wire. What the version cannot carry (a NUL, an empty name,
 * a CR or LF without escapes, a colon in an unescaped name) throws ERR_STOMP_MALFORMED rather than
 * writing a different frame.
 */
export function escapeHeader(
  text: string,
  part: 'name' | 'value',
  command: StompCommand,
  version: StompVersion,
): string {
  if (part === 'name' && text === '') {
    throw new SockJsError('ERR_STOMP_MALFORMED', `an empty header name (${command})`);
  }
  if (text.includes('\0')) {
    // No version escapes NUL, and a raw one would end the frame inside its headers.
    throw new SockJsError('ERR_STOMP_MALFORMED', `a NUL in a header ${part} (${command})`);
  }
  const escapes = escapesFor(command, version);
  if (escapes === undefined) {
    if (/[\r\n]/.test(text) || (part === 'name' && text.includes(':'))) {
      throw new SockJsError(
        'ERR_STOMP_MALFORMED',
        `header ${part} ${JSON.stringify(text)} cannot be written unescaped (${command}, STOMP ${version})`,
      );
    }
    return text;
  }
  if (version === '1.1' && text.includes('\r')) {
    throw new SockJsError('ERR_STOMP_MALFORMED', `header ${part} with a CR cannot be written in STOMP 1.1`);
  }
  return text.replace(/[\\\r\n:]/g, (char) => ESCAPED[char] as string);
}

const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\r': '\\r', '\n': '\\n', ':': '\\c' };
