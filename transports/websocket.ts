import { Close, type CloseInfo, decodeMessages, HEARTBEAT_FRAME, parseResumeBatch, SockJsError } from '../protocol';
import { anyTooBig } from './message-size';
import type { Receiver, ReceiverOwner } from './receiver';
import type { TextSocket, TextSocketEvents } from './text-socket';
import type { TransportSession } from './types';

/** The websocket limits a receiver enforces. */
export interface WebSocketLimits {
  readonly maxTextMessageBytes: number;
  readonly pongTimeout: number;
}

/**
 * The SockJS websocket transport: frames as websocket text messages; the client sends a JSON
 * array (or a bare JSON string) per message. The websocket carries the whole session.
 */
export class WebSocketReceiver implements Receiver, TextSocketEvents {
  readonly transport = 'websocket';
  private owner: ReceiverOwner | undefined;
  private open = true;
  /** When the unanswered ping went out; 0 when none is outstanding. */
  private pingedAt = 0;

  constructor(
    private readonly socket: TextSocket,
    private readonly session: TransportSession,
    private readonly limits: WebSocketLimits,
  ) {
    socket.listen(this);
  }

  get writable(): boolean {
    return this.open && !this.socket.full;
  }

  bind(owner: ReceiverOwner): void {
    this.owner = owner;
  }

  unbind(): void {
    this.owner = undefined;
  }

  sendFrame(frame: string): boolean {
    if (!this.open) return false;
    this.socket.send(frame);
    return !this.socket.full;
  }

  heartbeat(now: number): void {
    if (!this.open) return;
    if (this.pingedAt !== 0) {
      this.socket.send(HEARTBEAT_FRAME);
      return;
    }
    this.pingedAt = now;
    this.socket.sendWithPing(HEARTBEAT_FRAME);
  }

  get deadline(): number {
    return this.pingedAt === 0 ? Infinity : this.pingedAt + this.limits.pongTimeout;
  }

  /** A peer that vanished without closing is otherwise noticed only when TCP gives up, minutes later. */
  sweep(now: number): void {
    if (!this.open || this.pingedAt === 0 || now - this.pingedAt < this.limits.pongTimeout) return;
    this.owner?.receiverDropped(this, 'pong-timeout');
    this.detach(Close.NO_PONG);
    this.socket.terminate();
  }

  end(): void {
    if (!this.open) return;
    this.socket.close(Close.NORMAL.code, Close.NORMAL.reason);
    this.detach(Close.NORMAL);
  }

  socketMessage(text: string): void {
    if (!this.open || text.length === 0) return;
    // A resumable session's client numbers its batches (`r<seq>,<ack>[...]`): see docs/resume.md.
    const batch = this.session.resumable ? parseResumeBatch(text) : undefined;
    if (this.session.resumable && !batch) return this.refuse(Close.BROKEN_FRAMING);
    const decoded = decodeMessages(batch ? batch.payload : text, !batch);
    if (!decoded.ok) return this.refuse(Close.BROKEN_FRAMING);
    if (anyTooBig(decoded.messages, this.limits.maxTextMessageBytes)) {
      return this.refuse(Close.MESSAGE_TOO_BIG);
    }
    if (!batch) return this.session.deliver(decoded.messages);
    const problem = this.session.deliverBatch(batch.seq, batch.ack, decoded.messages, true);
    if (problem) this.refuse({ code: Close.BROKEN_FRAMING.code, reason: problem.message });
  }

  socketBinary(): void {
    this.refuse(Close.TEXT_ONLY);
  }

  socketClosed(code: number, reason: string): void {
    this.detach({ code, reason });
  }

  socketDrained(): void {
    this.owner?.receiverDrained(this);
  }

  socketPong(): void {
    this.pingedAt = 0;
  }

  socketTooBig(): void {
    this.refuse(Close.MESSAGE_TOO_BIG);
  }

  socketError(error: Error): void {
    this.session.fail(new SockJsError('ERR_TRANSPORT', error.message, { cause: error }));
  }

  /** Closes the websocket without a close frame: the client broke the protocol. */
  private refuse(info: CloseInfo): void {
    this.socket.close(info.code, info.reason);
    this.detach(info);
  }

  private detach(info: CloseInfo): void {
    if (!this.open) return;
    this.open = false;
    const owner = this.owner;
    this.owner = undefined;
    owner?.receiverDetached(this, info);
  }
}
