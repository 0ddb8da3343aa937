import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';

/** What a websocket tells its owner. Owners implement it as methods: no closures per socket. */
export interface TextSocketEvents {
  socketMessage(text: string): void;
  socketBinary(data: Buffer): void;
  socketClosed(code: number, reason: string): void;
  /** The write buffer, once full, has emptied. */
  socketDrained(): void;
  /** The peer answered a ping. */
  socketPong(): void;
  /** The peer sent a message over the size limit; the socket is being closed with 1009. */
  socketTooBig(): void;
  socketError(error: Error): void;
}

/**
 * The little a session needs from a websocket, so that RFC 6455 sockets (`ws`) and the old
 * hixie-76 ones the protocol suite still speaks look the same.
 */
export interface TextSocket {
  send(message: string | Uint8Array): void;
  close(code: number, reason: string): void;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
  /** Sends a ping; `socketPong` follows from a live peer. */
  ping(): void;
  /** Sends a text message and a ping in one write (a heartbeat with a liveness check). */
  sendWithPing(text: string): void;
  /** True while the write buffer is above its high-water mark. */
  readonly full: boolean;
  /** Bytes waiting to be written. */
  readonly bufferedAmount: number;
  /** The sub-protocol agreed at the handshake, or ''. */
  readonly protocol: string;
  /** Starts delivering events; called once. */
  listen(events: TextSocketEvents): void;
}

function rawDataToBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** A websocket close reason is at most 123 bytes; longer ones are cut (on a character boundary). */
function fitCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

/** A `ws` WebSocket as a TextSocket; `socket` is the upgraded connection it writes to. */
export class WsTextSocket implements TextSocket {
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  get full(): boolean {
    return this.socket.writableNeedDrain;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  send(message: string | Uint8Array): void {
    this.ws.send(message);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, fitCloseReason(reason));
  }

  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  sendWithPing(text: string): void {
    // Both frames leave in one system call: at 20 000 sessions, heartbeats are most of the idle cost.
    this.socket.cork();
    this.ws.send(text);
    this.ping();
    this.socket.uncork();
  }

  listen(events: TextSocketEvents): void {
    const { ws } = this;
    ws.on('message', (data, isBinary) => {
      if (isBinary) events.socketBinary(rawDataToBuffer(data));
      else events.socketMessage(rawDataToBuffer(data).toString('utf8'));
    });
    ws.on('close', (code, reason) => events.socketClosed(code, reason.toString('utf8')));
    ws.on('error', (error: Error & { code?: string }) => {
      // `ws` closes with 1009 itself: a client breaking a limit is not a transport failure.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') events.socketTooBig();
      else events.socketError(error);
    });
    ws.on('pong', () => events.socketPong());
    this.socket.on('drain', () => events.socketDrained());
  }
}
