/**
 * WebSocket by hand, over the raw HTTP client: the upgrade request as given (refusals come back
 * as a status, not an error), RFC 6455 frames written with any flaw wanted (unmasked, reserved
 * bits, bad opcodes, invalid UTF-8) and the server's frames read one at a time; and the hixie-76
 * challenge answer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { encodeRequest, RawHttpConnection, type ConnectOptions, type HttpHead } from './raw-http';
import { DEFAULT_WAIT_MS } from './wait';

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface OutFrame {
  opcode: number;
  payload: Buffer;
  /** Default true. */
  fin?: boolean;
  /** Client frames must be masked; false sends a protocol violation. Default true. */
  mask?: boolean;
  /** Sets RSV1 (no extension was negotiated: a violation). */
  rsv1?: boolean;
}

export interface InFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export function encodeFrame(frame: OutFrame): Buffer {
  const { payload } = frame;
  const mask = frame.mask ?? true;
  const first = ((frame.fin ?? true) ? 0x80 : 0) | (frame.rsv1 ? 0x40 : 0) | (frame.opcode & 0x0f);
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([first, (mask ? 0x80 : 0) | payload.length]);
  } else if (payload.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([header, key, masked]);
}

export interface UpgradeAnswer {
  conn: RawHttpConnection;
  /** The server's answer: 101, or the status of a refusal (its body unread). */
  head: HttpHead;
  /** The Sec-WebSocket-Key sent. */
  key: string;
}

export interface UpgradeOptions extends ConnectOptions {
  /** Bytes sent in the same write as the upgrade request, before any answer (early frames). */
  early?: Buffer;
}

/**
 * Sends an RFC 6455 upgrade request for `path` (`headers` added, or replacing the defaults of the
 * same name) and reads the answer's head, whatever its status.
 */
export async function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  options: UpgradeOptions = {},
): Promise<UpgradeAnswer> {
  const conn = await RawHttpConnection.connect(port, options);
  try {
    const key = randomBytes(16).toString('base64');
    const request = encodeRequest(
      {
        method: 'GET',
        path,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': key,
          ...headers,
        },
      },
      conn.hostHeader,
    );
    await conn.write(options.early ? Buffer.concat([request, options.early]) : request);
    return { conn, head: await conn.readHead(options.timeoutMs), key };
  } catch (error) {
    conn.destroy();
    throw error;
  }
}

export class HandshakeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`websocket handshake refused with HTTP ${status}: ${JSON.stringify(body)}`);
    this.name = 'HandshakeRefused';
  }
}

/** A websocket client that speaks frames, not messages. */
export class RawWs {
  private constructor(
    readonly conn: RawHttpConnection,
    readonly head: HttpHead,
  ) {}

  /** Upgrades `path`; rejects with HandshakeRefused (status and body) when the server refuses. */
  static async open(
    port: number,
    path: string,
    headers: Record<string, string> = {},
    options: UpgradeOptions = {},
  ): Promise<RawWs> {
    const { conn, head, key } = await rawUpgrade(port, path, headers, options);
    try {
      if (head.status !== 101) {
        const body = await conn.readBody(head, 'GET', options.timeoutMs).catch(() => Buffer.alloc(0));
        throw new HandshakeRefused(head.status, body.toString('utf8'));
      }
      const accept = createHash('sha1')
        .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
        .digest('base64');
      if (head.header('sec-websocket-accept') !== accept) throw new Error('bad Sec-WebSocket-Accept');
      return new RawWs(conn, head);
    } catch (error) {
      conn.destroy();
      throw error;
    }
  }

  send(frame: OutFrame): Promise<void> {
    return this.conn.write(encodeFrame(frame));
  }

  text(payload: string | Buffer): Promise<void> {
    return this.send({
      opcode: OP.TEXT,
      payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
    });
  }

  /** The next frame from the server; null when the connection ends first. */
  readFrame(timeoutMs = DEFAULT_WAIT_MS): Promise<InFrame | null> {
    return this.conn.waitFor('a websocket frame', () => this.takeFrame(), timeoutMs, true);
  }

  /** The next text message (pongs skipped); rejects on a close frame or the end of the connection. */
  async nextText(timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    for (;;) {
      const frame = await this.readFrame(timeoutMs);
      if (frame === null) throw new Error('websocket ended while waiting for a text message');
      if (frame.opcode === OP.TEXT) return frame.payload.toString('utf8');
      if (frame.opcode === OP.CLOSE)
        throw new Error(`websocket closed (${describeClose(frame.payload)}) while waiting for a text message`);
    }
  }

  /**
   * Reads until the server's close frame (or the end of the connection): the text messages before
   * it and the close code (1006 when the connection ended without a close frame).
   */
  async untilClose(timeoutMs = DEFAULT_WAIT_MS): Promise<{ messages: string[]; code: number; reason: string }> {
    const messages: string[] = [];
    for (;;) {
      const frame = await this.readFrame(timeoutMs);
      if (frame === null) return { messages, code: 1006, reason: '' };
      if (frame.opcode === OP.TEXT) messages.push(frame.payload.toString('utf8'));
      if (frame.opcode === OP.CLOSE) {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        return { messages, code, reason: frame.payload.subarray(2).toString('utf8') };
      }
    }
  }

  destroy(): void {
    this.conn.destroy();
  }

  /** One complete frame if it has arrived; null once the connection has ended without one. */
  private takeFrame(): InFrame | null | undefined {
    const buf = this.conn.pending;
    if (buf.length < 2) return this.conn.ended ? null : undefined;
    const b0 = buf[0] as number;
    const b1 = buf[1] as number;
    let length = b1 & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buf.length < 4) return undefined;
      length = buf.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buf.length < 10) return undefined;
      length = Number(buf.readBigUInt64BE(2));
      offset = 10;
    }
    if (b1 & 0x80) throw new Error('the server masked a frame');
    if (buf.length < offset + length) return this.conn.ended ? null : undefined;
    const frame = {
      fin: (b0 & 0x80) !== 0,
      opcode: b0 & 0x0f,
      payload: Buffer.from(buf.subarray(offset, offset + length)),
    };
    this.conn.consume(offset + length);
    return frame;
  }
}

function describeClose(payload: Buffer): string {
  return payload.length >= 2
    ? `${payload.readUInt16BE(0)} ${JSON.stringify(payload.subarray(2).toString('utf8'))}`
    : 'no code';
}

/** hixie-76: the answer to the challenge of two keys (their digits divided by their spaces) and 8 key bytes. */
export function hixieAnswer(key1: string, key2: string, key3: Buffer): Buffer {
  const number = (key: string): number => Number(key.replace(/[^0-9]/g, '')) / (key.split(' ').length - 1);
  const input = Buffer.alloc(16);
  input.writeUInt32BE(number(key1), 0);
  input.writeUInt32BE(number(key2), 4);
  key3.copy(input, 8, 0, 8);
  return createHash('md5').update(input).digest();
}
