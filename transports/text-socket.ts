import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { HEARTBEAT_FRAME } from '../protocol';
import { textFrame, textFrameAndPing } from './ws-frame';

/** Every websocket heartbeat is the same bytes: one shared buffer. */
const HEARTBEAT_AND_PING = textFrameAndPing(HEARTBEAT_FRAME);
/** Frames up to this size are remembered, so that a broadcast encodes its frame once for every socket. */
const SHARED_FRAME_MAX = 64 * 1024;
let lastText = '';
let lastFrame = textFrame('');

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

/**
 * Stops reading a connection whose peer sent a message over the limit, and drops it once the close
 * frame written to it (and the FIN after it) have left. Reading on would only drain, for nothing,
 * whatever the peer still sends: the rest of a 50 MB message. A peer that is not reading may then
 * miss the close frame and see a reset; it broke the limit.
 */
export function stopReading(socket: Duplex): void {
  socket.pause();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
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

/** The frame for `text`: the one just built when `text` is the same (a broadcast), else a new one. */
function sharedTextFrame(text: string): Buffer {
  if (text === lastText) return lastFrame;
  const frame = textFrame(text);
  if (text.length <= SHARED_FRAME_MAX) {
    lastText = text;
    lastFrame = frame;
  }
  return frame;
}

const OWNER = Symbol('WsTextSocket');
/** A ws WebSocket or its socket, marked with the WsTextSocket that listens to it. */
type Marked = { [OWNER]?: WsTextSocket };

function ownerOf(emitter: object): WsTextSocket {
  return (emitter as Marked)[OWNER] as WsTextSocket;
}

// Listeners are these module functions (`this` is the emitter), not closures made per socket.
function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const events = ownerOf(this).events;
  if (isBinary) events?.socketBinary(rawDataToBuffer(data));
  else events?.socketMessage(rawDataToBuffer(data).toString('utf8'));
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  ownerOf(this).events?.socketClosed(code, reason.toString('utf8'));
}

function onError(this: WebSocket, error: Error & { code?: string }): void {
  const owner = ownerOf(this);
  if (error.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return owner.events?.socketError(error);
  // `ws` closes with 1009 itself (it counts every fragment of a message against maxPayload): a
  // client breaking a limit is not a transport failure. It then resumes the socket on the next tick
  // and discards what follows until its 30 s close timer; stopping after that tick keeps the rest of
  // the message unread.
  process.nextTick(stopReading, owner.socket);
  owner.events?.socketTooBig();
}

function onPong(this: WebSocket): void {
  ownerOf(this).events?.socketPong();
}

function onDrain(this: Duplex): void {
  this.off('drain', onDrain);
  const owner = ownerOf(this);
  owner.drainArmed = false;
  owner.events?.socketDrained();
}

/**
 * A `ws` WebSocket as a TextSocket; `socket` is the upgraded connection it writes to. `ws` parses
 * what the client sends and runs the closing handshake; text frames and heartbeats we write to the
 * socket ourselves, in one buffer each (see ws-frame.ts). That keeps their order with whatever `ws`
 * writes because the server has permessage-deflate off: `ws` then writes synchronously, never queues.
 */
export class WsTextSocket implements TextSocket {
  events: TextSocketEvents | undefined;
  /** A 'drain' listener is added only while the socket is full: none on the idle majority. */
  drainArmed = false;

  constructor(
    private readonly ws: WebSocket,
    readonly socket: Duplex,
  ) {}

  get full(): boolean {
    if (!this.socket.writableNeedDrain) return false;
    this.armDrain();
    return true;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  send(message: string | Uint8Array): void {
    if (typeof message !== 'string') this.ws.send(message);
    else if (this.ws.readyState === this.ws.OPEN) this.socket.write(sharedTextFrame(message));
    if (this.socket.writableNeedDrain) this.armDrain();
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
    if (this.ws.readyState !== this.ws.OPEN) return;
    // Both frames in one write: at 20 000 sessions, heartbeats are most of the idle cost.
    if (!this.socket.write(text === HEARTBEAT_FRAME ? HEARTBEAT_AND_PING : textFrameAndPing(text))) this.armDrain();
  }

  listen(events: TextSocketEvents): void {
    this.events = events;
    const ws = this.ws as WebSocket & Marked;
    ws[OWNER] = this;
    (this.socket as Duplex & Marked)[OWNER] = this;
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    ws.on('pong', onPong);
  }

  private armDrain(): void {
    if (this.drainArmed || this.events === undefined) return;
    this.drainArmed = true;
    this.socket.on('drain', onDrain);
  }
}
