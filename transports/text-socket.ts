import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';

/** What a websocket tells its owner. */
export interface TextSocketEvents {
  message(text: string): void;
  binary(data: Buffer): void;
  close(code: number, reason: string): void;
  /** The write buffer, once full, has emptied. */
  drain(): void;
  /** The peer answered a ping. */
  pong(): void;
  /** The peer sent a message over the size limit; the socket is being closed with 1009. */
  tooBig(): void;
  error(error: Error): void;
}

/**
 * The little a websocket receiver needs from a websocket, so that RFC 6455 sockets (`ws`) and
 * the old hixie-76 ones the protocol suite still speaks look the same.
 */
export interface TextSocket {
  send(message: string | Uint8Array): void;
  close(code: number, reason: string): void;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
  /** Sends a ping; `pong` follows from a live peer. */
  ping(): void;
  /** True while the write buffer is above its high-water mark. */
  readonly full: boolean;
  /** Bytes waiting to be written. */
  readonly bufferedAmount: number;
  /** The sub-protocol agreed at the handshake, or ''. */
  readonly protocol: string;
  /** Starts delivering events; called once. */
  listen(events: TextSocketEvents): void;
}

/** A websocket close reason is at most 123 bytes; longer ones are cut (on a character boundary). */
function fitCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

function rawDataToBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** A `ws` WebSocket seen as a TextSocket; `socket` is the upgraded connection it writes to. */
export function fromWs(ws: WebSocket, socket: Duplex): TextSocket {
  return {
    send: (message) => ws.send(message),
    close: (code, reason) => ws.close(code, fitCloseReason(reason)),
    terminate: () => ws.terminate(),
    ping: () => {
      if (ws.readyState === ws.OPEN) ws.ping();
    },
    get full() {
      return socket.writableNeedDrain;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    protocol: ws.protocol,
    listen(events) {
      ws.on('message', (data, isBinary) => {
        if (isBinary) events.binary(rawDataToBuffer(data));
        else events.message(rawDataToBuffer(data).toString('utf8'));
      });
      ws.on('close', (code, reason) => events.close(code, reason.toString('utf8')));
      ws.on('error', (error: Error & { code?: string }) => {
        // `ws` closes with 1009 itself: a client breaking a limit is not a transport failure.
        if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') events.tooBig();
        else events.error(error);
      });
      ws.on('pong', () => events.pong());
      socket.on('drain', () => events.drain());
    },
  };
}
