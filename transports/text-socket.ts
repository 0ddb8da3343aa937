import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';

/** What a websocket tells its owner. */
export interface TextSocketEvents {
  message(text: string): void;
  close(code: number, reason: string): void;
  /** The write buffer, once full, has emptied. */
  drain(): void;
  error(error: Error): void;
}

/**
 * The little a websocket receiver needs from a websocket, so that RFC 6455 sockets (`ws`) and
 * the old hixie-76 ones the protocol suite still speaks look the same.
 */
export interface TextSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
  /** True while the write buffer is above its high-water mark. */
  readonly full: boolean;
  /** Bytes waiting to be written. */
  readonly bufferedAmount: number;
  /** Starts delivering events; called once. */
  listen(events: TextSocketEvents): void;
}

function rawDataToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** A `ws` WebSocket seen as a TextSocket; `socket` is the upgraded connection it writes to. */
export function fromWs(ws: WebSocket, socket: Duplex): TextSocket {
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    get full() {
      return socket.writableNeedDrain;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    listen(events) {
      ws.on('message', (data) => events.message(rawDataToString(data)));
      ws.on('close', (code, reason) => events.close(code, reason.toString('utf8')));
      ws.on('error', (error) => events.error(error));
      socket.on('drain', () => events.drain());
    },
  };
}
