import { CloseCode, type CloseInfo } from '../server/handler';
import { SockJsError } from '../server/errors';
import { decodeMessages } from '../server/protocol/frames';
import type { Session } from '../server/session/session';
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

  constructor(
    private readonly socket: TextSocket,
    private readonly session: Session,
  ) {
    socket.listen({
      message: (text) => this.received(text),
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

  end(): void {
    if (!this.open) return;
    this.socket.close(CloseCode.NORMAL, 'Normal closure');
    this.detach({ code: CloseCode.NORMAL, reason: 'Normal closure' });
  }

  private received(text: string): void {
    if (!this.open || text.length === 0) return;
    const decoded = decodeMessages(text, true);
    if (decoded.ok) {
      this.session.deliver(decoded.messages);
      return;
    }
    const info = { code: CloseCode.BROKEN_FRAMING, reason: 'Broken framing.' };
    this.socket.close(info.code, info.reason);
    this.detach(info);
  }

  private detach(info: CloseInfo): void {
    if (!this.open) return;
    this.open = false;
    const onDetach = this.onDetach;
    this.onDetach = undefined;
    this.onDrain = undefined;
    onDetach?.(info);
  }
}
