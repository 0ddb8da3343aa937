/**
 * STOMP frames as values. Bodies are text: SockJS (and a text WebSocket message) carries text, and
 * a JS string holds NUL and every other character, so a body with NUL works as long as the frame has
 * a `content-length`, which counts the UTF-8 bytes of the body (`utf8ByteLength`).
 */

export const STOMP_CLIENT_COMMANDS = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
] as const;
export const STOMP_SERVER_COMMANDS = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'] as const;

export type StompClientCommand = (typeof STOMP_CLIENT_COMMANDS)[number];
export type StompServerCommand = (typeof STOMP_SERVER_COMMANDS)[number];
export type StompCommand = StompClientCommand | StompServerCommand;

export type StompVersion = '1.0' | '1.1' | '1.2';
export const STOMP_VERSIONS: readonly StompVersion[] = ['1.2', '1.1', '1.0'];

/** One header line, in wire order. Repeats are kept: the spec says the first one counts. */
export type StompHeader = readonly [name: string, value: string];

export interface StompFrame {
  readonly command: StompCommand;
  readonly headers: readonly StompHeader[];
  readonly body: string;
}

export function isStompCommand(value: string): value is StompCommand {
  return (
    (STOMP_CLIENT_COMMANDS as readonly string[]).includes(value) ||
    (STOMP_SERVER_COMMANDS as readonly string[]).includes(value)
  );
}

/** The value of the first header called `name` (STOMP 1.2: "only the first header entry SHOULD be used"). */
export function headerValue(frame: Pick<StompFrame, 'headers'>, name: string): string | undefined {
  for (const [headerName, value] of frame.headers) if (headerName === name) return value;
  return undefined;
}

/** Every value of the headers called `name`, in wire order. */
export function headerValues(frame: Pick<StompFrame, 'headers'>, name: string): string[] {
  return frame.headers.filter(([headerName]) => headerName === name).map(([, value]) => value);
}

/**
 * Bytes the UTF-8 encoding of `text[from, to)` takes. A lone surrogate counts 3, as the U+FFFD an
 * encoder writes for it. Written by hand: protocol/ has no TextEncoder (lib ES2022, no DOM).
 */
export function utf8ByteLength(text: string, from = 0, to = text.length): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && i + 1 < to && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
