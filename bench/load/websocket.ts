/** The SockJS websocket transport, client side, over `ws`: `/<service>/<server>/<session>/websocket`. */
import WebSocket from 'ws';
import { dispatchFrame, sessionPath, type ClientSession, type SessionListener, type Target } from './session';

export class WebSocketSession implements ClientSession {
  readonly transport = 'websocket';
  isOpen = false;
  heartbeatFrames = 0;
  /** sockjs-node heartbeats a websocket with a ping instead of an `h` frame (`ws` answers it). */
  pings = 0;
  private done = false;
  private readonly ws: WebSocket;

  constructor(
    target: Target,
    service: string,
    private readonly listener: SessionListener,
    localAddress?: string,
  ) {
    const url = `ws://${target.host}:${target.port}${sessionPath(service)}/websocket`;
    this.ws = new WebSocket(url, { perMessageDeflate: false, localAddress, handshakeTimeout: 30_000 });
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.done) return;
      const frame = isBinary ? '' : data.toString();
      const known = dispatchFrame(
        frame,
        listener,
        () => (this.isOpen = true),
        () => this.heartbeatFrames++,
      );
      if (!known) this.lose(`frame ${frame.slice(0, 40)}`);
    });
    this.ws.on('ping', () => this.pings++);
    this.ws.on('close', (code: number) => this.lose(`websocket closed ${code}`));
    this.ws.on('error', (error: Error) => this.lose(error.message));
  }

  /** Heartbeats seen: `h` frames or pings, whichever the server sends (one beat when it sends both). */
  get heartbeats(): number {
    return Math.max(this.heartbeatFrames, this.pings);
  }

  send(message: string): void {
    if (this.done) return;
    this.ws.send(JSON.stringify([message]));
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.isOpen = false;
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(1000);
  }

  /** Drops the TCP connection without a closing handshake. */
  terminate(): void {
    this.done = true;
    this.isOpen = false;
    this.ws.terminate();
  }

  private lose(why: string): void {
    if (this.done) return;
    this.done = true;
    this.isOpen = false;
    this.ws.terminate();
    this.listener.lost?.(why);
  }
}
