import { SockJsError } from '../errors';
import { unescapeHeader } from './escape';
import type { StompCommand, StompFrame, StompHeader, StompVersion } from './frame';
import { headerValue, isHighSurrogate, isLowSurrogate, isStompCommand, STOMP_VERSIONS } from './frame';
import type { StompDecoderOptions, StompDecoderSettings } from './decoder-options';
import { resolveStompDecoderOptions } from './decoder-options';

/** What a chunk yields: frames, and the bare EOLs between them (heart-beats, which prove liveness). */
export type StompDecoded = { readonly type: 'frame'; readonly frame: StompFrame } | { readonly type: 'heart-beat' };

type Stage = 'command' | 'headers' | 'body';

/**
 * Streaming STOMP decoder over text: feed it the text messages as SockJS or a WebSocket deliver
 * them (`push`), in any cut — inside a header, an escape, a surrogate pair, the body, before the NUL.
 * Byte counts (content-length, the limits) are UTF-8 bytes of that text. Binary WebSocket messages
 * are the caller's to decode to text first.
 *
 * A protocol error throws a SockJsError with an ERR_STOMP_* code whose message suits an ERROR
 * frame; the decoder is then broken for good (every later push throws the same error), since the
 * stream has lost its framing. Frames completed earlier in the failing chunk are not returned (as
 * with Spring's decoder): the session answers with an ERROR frame and closes either way.
 * Buffering never exceeds maxFrameBytes plus the last chunk.
 */
export class StompDecoder {
  private decodingVersion: StompVersion;
  private readonly settings: StompDecoderSettings;
  /** Text received and not yet consumed: the rest of the current frame, and what follows it. */
  private pending = '';
  /** How far into `pending` the current stage has looked, and the UTF-8 bytes of that part. */
  private scanned = 0;
  private scannedBytes = 0;
  /** UTF-8 bytes of the current frame already consumed from `pending`. */
  private frameBytes = 0;
  private stage: Stage = 'command';
  private command: StompCommand | undefined;
  private headers: StompHeader[] = [];
  private contentLength: number | undefined;
  private failure: SockJsError | undefined;

  constructor(options: StompDecoderOptions = {}) {
    this.settings = resolveStompDecoderOptions(options);
    this.decodingVersion = this.settings.version;
  }

  /** The escapes to decode: set it to the negotiated version once CONNECTED is sent. */
  get version(): StompVersion {
    return this.decodingVersion;
  }

  set version(version: StompVersion) {
    // Checked here too: JavaScript callers may pass the accept-version text as it came.
    if (!STOMP_VERSIONS.includes(version)) {
      throw new SockJsError('ERR_INVALID_OPTION', `StompDecoder: version must be one of ${STOMP_VERSIONS.join(', ')}`);
    }
    this.decodingVersion = version;
  }

  push(chunk: string): StompDecoded[] {
    if (this.failure !== undefined) throw this.failure;
    this.pending += chunk;
    const decoded: StompDecoded[] = [];
    try {
      for (;;) {
        const item = this.step();
        if (item === 'need-more') break;
        if (item !== 'progress') decoded.push(item);
      }
    } catch (error) {
      if (error instanceof SockJsError) {
        this.failure = error;
        this.pending = '';
      }
      throw error;
    }
    return decoded;
  }

  /** True between frames: nothing of a frame is buffered (a session may check it at close). */
  get idle(): boolean {
    return this.stage === 'command' && this.pending.length === 0;
  }

  private step(): StompDecoded | 'progress' | 'need-more' {
    if (this.stage === 'body') return this.readBody();
    const line = this.readLine();
    if (line === undefined) return 'need-more';
    if (this.stage === 'command') return this.onCommandLine(line);
    this.onHeaderLine(line);
    return 'progress';
  }

  /** The next line without its EOL (`\n` or `\r\n`), or undefined until its LF arrives. */
  private readLine(): string | undefined {
    const lf = this.pending.indexOf('\n', this.scanned);
    const end = lf === -1 ? this.pending.length : lf;
    this.refuseNul(end);
    this.scanBytes(end);
    if (lf === -1) {
      // A CR last in the buffer may be the first half of the EOL, not part of the line.
      this.checkLineLength(this.scannedBytes - (this.pending.endsWith('\r') ? 1 : 0));
      return undefined;
    }
    const line = this.pending.endsWith('\r', lf) ? this.pending.slice(0, lf - 1) : this.pending.slice(0, lf);
    this.checkLineLength(this.scannedBytes - (line.length < lf ? 1 : 0));
    this.consume(lf + 1, this.scannedBytes + 1);
    return line;
  }

  /** A NUL before the blank line ends the frame inside its command or headers: the framing is lost. */
  private refuseNul(end: number): void {
    const nul = this.pending.indexOf('\0', this.scanned);
    if (nul === -1 || nul >= end) return;
    if (this.stage === 'command') {
      throw new SockJsError('ERR_STOMP_UNKNOWN_COMMAND', JSON.stringify(this.pending.slice(0, Math.min(nul + 1, 64))));
    }
    throw new SockJsError('ERR_STOMP_MALFORMED', 'the frame ends (NUL) before the blank line after its headers');
  }

  private onCommandLine(line: string): StompDecoded | 'progress' {
    if (line === '') {
      // A bare EOL between frames is a heart-beat, not part of a frame.
      this.frameBytes = 0;
      return { type: 'heart-beat' };
    }
    if (!isStompCommand(line)) {
      throw new SockJsError('ERR_STOMP_UNKNOWN_COMMAND', JSON.stringify(line.slice(0, 64)));
    }
    this.command = line;
    this.stage = 'headers';
    return 'progress';
  }

  private onHeaderLine(line: string): void {
    const command = this.command as StompCommand;
    if (line === '') {
      this.contentLength = this.parseContentLength();
      this.stage = 'body';
      return;
    }
    if (this.headers.length >= this.settings.maxHeaders) {
      throw new SockJsError('ERR_STOMP_TOO_MANY_HEADERS', `more than ${this.settings.maxHeaders} headers`);
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      const problem = colon === 0 ? 'an empty header name' : 'a header line without a colon';
      throw new SockJsError('ERR_STOMP_MALFORMED', `${problem}: ${JSON.stringify(line.slice(0, 64))}`);
    }
    const name = unescapeHeader(line.slice(0, colon), command, this.version);
    const value = unescapeHeader(line.slice(colon + 1), command, this.version);
    this.headers.push([name, value]);
  }

  private parseContentLength(): number | undefined {
    const raw = headerValue({ headers: this.headers }, 'content-length');
    if (raw === undefined) return undefined;
    if (!/^\d{1,15}$/.test(raw)) {
      throw new SockJsError('ERR_STOMP_CONTENT_LENGTH', `content-length ${JSON.stringify(raw)} is not a byte count`);
    }
    const length = Number(raw);
    if (this.frameBytes + length + 1 > this.settings.maxFrameBytes) {
      throw new SockJsError(
        'ERR_STOMP_FRAME_TOO_LARGE',
        `content-length ${length} goes over ${this.settings.maxFrameBytes} bytes`,
      );
    }
    return length;
  }

  private readBody(): StompDecoded | 'need-more' {
    const end = this.contentLength === undefined ? this.findNul() : this.findCountedEnd(this.contentLength);
    if (end === undefined) return 'need-more';
    const body = this.pending.slice(0, end);
    this.consume(end + 1, this.scannedBytes + 1);
    const frame: StompFrame = { command: this.command as StompCommand, headers: this.headers, body };
    this.stage = 'command';
    this.command = undefined;
    this.headers = [];
    this.contentLength = undefined;
    this.frameBytes = 0;
    return { type: 'frame', frame };
  }

  /** Without content-length the body runs to the first NUL. */
  private findNul(): number | undefined {
    const nul = this.pending.indexOf('\0', this.scanned);
    this.scanBytes(nul === -1 ? this.pending.length : nul);
    return nul === -1 ? undefined : nul;
  }

  /** With content-length the body is exactly that many bytes, and the NUL must follow them. */
  private findCountedEnd(length: number): number | undefined {
    while (this.scannedBytes < length && this.scanned < this.pending.length) {
      if (!this.scanOneChar()) return undefined;
    }
    if (this.scannedBytes > length) {
      throw new SockJsError('ERR_STOMP_CONTENT_LENGTH', `content-length mismatch: ${length} ends inside a character`);
    }
    if (this.scannedBytes < length || this.scanned === this.pending.length) return undefined;
    if (this.pending[this.scanned] !== '\0') {
      throw new SockJsError('ERR_STOMP_CONTENT_LENGTH', `content-length mismatch: no NUL after ${length} body bytes`);
    }
    return this.scanned;
  }

  /** Counts the UTF-8 bytes of `pending[scanned, end)`, minding the frame limit as it goes. */
  private scanBytes(end: number): void {
    while (this.scanned < end) if (!this.scanOneChar(end)) break;
  }

  /**
   * Counts one character. A high surrogate last in the buffer waits for the next chunk (false):
   * with its low half it is 4 bytes, not 3 + 3.
   */
  private scanOneChar(end = this.pending.length): boolean {
    const unit = this.pending.charCodeAt(this.scanned);
    let units = 1;
    let bytes = unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
    if (isHighSurrogate(unit)) {
      if (this.scanned + 1 >= this.pending.length) return false;
      if (this.scanned + 1 < end && isLowSurrogate(this.pending.charCodeAt(this.scanned + 1))) {
        units = 2;
        bytes = 4;
      }
    }
    this.scanned += units;
    this.scannedBytes += bytes;
    if (this.frameBytes + this.scannedBytes > this.settings.maxFrameBytes) {
      throw new SockJsError('ERR_STOMP_FRAME_TOO_LARGE', `frame over ${this.settings.maxFrameBytes} bytes`);
    }
    return true;
  }

  private checkLineLength(bytes: number): void {
    if (bytes > this.settings.maxHeaderBytes) {
      const what = this.stage === 'command' ? 'command line' : 'header line';
      throw new SockJsError('ERR_STOMP_HEADER_TOO_LONG', `${what} over ${this.settings.maxHeaderBytes} bytes`);
    }
  }

  /** Drops `units` code units (`bytes` UTF-8 bytes) of the current frame from the buffer. */
  private consume(units: number, bytes: number): void {
    this.pending = this.pending.slice(units);
    this.frameBytes += bytes;
    this.scanned = 0;
    this.scannedBytes = 0;
    if (this.frameBytes > this.settings.maxFrameBytes) {
      throw new SockJsError('ERR_STOMP_FRAME_TOO_LARGE', `frame over ${this.settings.maxFrameBytes} bytes`);
    }
  }
}
