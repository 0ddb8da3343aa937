import { CloseCode, type CloseInfo } from '../server/handler';
import { SockJsError } from '../server/errors';
import { HEARTBEAT_FRAME, decodeMessages } from '../server/protocol/frames';
import { PongDeadline } from './pong-deadline';
import type { Session } from '../server/session/session';
import { anyTooBig } from './message-size';
import type { Receiver } from './receiver';
import type { TextSocket } from './text-socket';

/**
 * The SockJS websocket transport: frames as websocket text messages; the client sends a JSON
 * array (or a bare JSON string) per message. The websocket carries the whole session.
 */
export class WebSocketReceiver implements Receiver {
  readonly transport = 'websocket';
  readonly polling = false;
  onDetach: Receiver['onDetach'];
  onDrain: Receiver['onDrain'];
  private open = true;
  private readonly pong: PongDeadline;

  constructor(
    private readonly socket: TextSocket,
    private readonly session: Session,
    private readonly maxMessageBytes: number,
    pongTimeout: number,
  ) {
    this.pong = new PongDeadline(pongTimeout, () => {
      this.detach({ code: CloseCode.CONNECTION_LOST, reason: 'No pong' });
      socket.terminate();
    });
    socket.listen({
      pong: () => this.pong.ponged(),
      tooBig: () => this.refuse({ code: CloseCode.MESSAGE_TOO_BIG, reason: 'Message too big' }),
      message: (text) => this.received(text),
      binary: () => this.refuse({ code: CloseCode.UNSUPPORTED_DATA, reason: 'Text only' }),
      close: (code, reason) => this.detach({ code, reason }),
      drain: () => this.onDrain?.(),
      error: (error) => this.session.fail(new SockJsError('ERR_TRANSPORT', error.message, { cause: error })),
    });
  }

  get writable(): boolean {
    return this.open && !this.socket.full;
  }

  sendFrame(frame: string): boolean {
    if (!this.open) return false;
    this.socket.send(frame);
    return !this.socket.full;
  }

  heartbeat(): void {
    this.sendFrame(HEARTBEAT_FRAME);
    this.socket.ping();
    this.pong.pinged();
  }

  end(): void {
    if (!this.open) return;
    this.socket.close(CloseCode.NORMAL, 'Normal closure');
    this.detach({ code: CloseCode.NORMAL, reason: 'Normal closure' });
  }

  private received(text: string): void {
    if (!this.open || text.length === 0) return;
    const decoded = decodeMessages(text, true);
    if (!decoded.ok) return this.refuse({ code: CloseCode.BROKEN_FRAMING, reason: 'Broken framing.' });
    if (anyTooBig(decoded.messages, this.maxMessageBytes)) {
      return this.refuse({ code: CloseCode.MESSAGE_TOO_BIG, reason: 'Message too big' });
    }
    this.session.deliver(decoded.messages);
  }

  /** Closes the websocket without a close frame: the client broke the protocol. */
  private refuse(info: CloseInfo): void {
    this.socket.close(info.code, info.reason);
    this.detach(info);
  }

  private detach(info: CloseInfo): void {
    if (!this.open) return;
    this.open = false;
    this.pong.stop();
    const onDetach = this.onDetach;
    this.onDetach = undefined;
    this.onDrain = undefined;
    onDetach?.(info);
  }
}
