import type { IncomingHttpHeaders } from 'node:http';
import { Close, type CloseInfo, isValidCloseCode, ReadyState, SockJsError, type TransportName } from '../../protocol';
import { type Principal, type SockJsSession } from '../handler';
import type { TextSocket, TextSocketEvents } from '../../transports/text-socket';
import { HandlerCalls } from './handler-calls';
import type { Timed } from './timer-wheel';
import type { SessionContext, SessionInit } from './session';
import type { TransportCounters } from '../stats';

/** Limits a raw websocket session checks per message type (`ws` bounds the larger of the two). */
export interface RawLimits {
  readonly maxTextMessageBytes: number;
  readonly maxBinaryMessageBytes: number;
}

/**
 * A session over a plain websocket: the raw `{prefix}/websocket` route of a SockJS endpoint, or a
 * websocket-only endpoint. Text and binary messages, no SockJS framing, no queue of its own (the
 * websocket buffers), the same handler interface. Liveness (a ping every `heartbeatDelay`, the
 * pong deadline, the idle timeout) runs in `sweep()`, which the endpoint's timer wheel calls when due.
 */
export class RawSession implements SockJsSession, TextSocketEvents, Timed {
  readonly id: string;
  readonly transport: TransportName = 'websocket-raw';
  readonly remoteAddress: string;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly principal: Principal | undefined;
  readonly protocol: string;
  readyState: ReadyState = ReadyState.OPEN;
  /** @internal The timer wheel's bookkeeping. */
  wheelTick = -1;
  private attributeMap: Map<string, unknown> | undefined;
  private readonly calls: HandlerCalls;
  private drainOwed = false;
  private lastPingAt: number;
  /** When the unanswered ping went out; 0 when none is outstanding. */
  private pingedAt = 0;
  private lastHeardAt: number;
  /** This transport's counters: counting a message is a field addition. */
  private readonly counts: TransportCounters;

  constructor(
    init: SessionInit,
    private readonly socket: TextSocket,
    private readonly context: SessionContext,
    private readonly limits: RawLimits,
  ) {
    this.id = init.id;
    this.remoteAddress = init.remoteAddress;
    this.headers = init.headers;
    this.attributeMap = init.attributes;
    this.principal = init.principal;
    this.protocol = socket.protocol;
    this.lastPingAt = this.lastHeardAt = Date.now();
    this.calls = new HandlerCalls(this, context.handler, context.logger);
    this.counts = context.counters.transports['websocket-raw'];
    socket.listen(this);
    this.counts.opened++;
    this.calls.opened();
  }

  get attributes(): Map<string, unknown> {
    return (this.attributeMap ??= new Map());
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(message: string): boolean {
    return this.write(String(message));
  }

  sendBinary(data: Uint8Array): boolean {
    return this.write(data);
  }

  close(code: number = Close.NORMAL.code, reason: string = Close.NORMAL.reason): void {
    if (!isValidCloseCode(code)) throw new SockJsError('ERR_INVALID_CLOSE_CODE', String(code));
    if (this.readyState !== ReadyState.OPEN) return;
    this.readyState = ReadyState.CLOSING;
    this.context.counters.closed(this.counts, code);
    this.calls.closed({ code, reason });
    this.socket.close(code, reason);
  }

  /**
   * Does nothing: a plain websocket has no `h` frame, and its pings (every `heartbeatDelay`) are
   * invisible to the application protocol and detect dead peers, so they stay on.
   */
  setHeartbeat(_enabled: boolean): void {}

  terminate(info: CloseInfo): void {
    this.close(info.code, info.reason);
    this.socket.terminate();
    this.socketClosed(info.code, info.reason);
  }

  /** The timer wheel's visit: ping, pong deadline, idle timeout. */
  sweep(now: number): number | undefined {
    if (this.readyState !== ReadyState.OPEN) return undefined;
    if (this.pingedAt !== 0 && now - this.pingedAt >= this.context.pongTimeout) {
      this.context.counters.pongTimeouts++;
      this.socket.terminate();
      this.socketClosed(Close.NO_PONG.code, Close.NO_PONG.reason);
      return undefined;
    }
    const { idleTimeout } = this.context;
    if (idleTimeout > 0 && now - this.lastHeardAt >= idleTimeout) {
      this.close(Close.IDLE.code, Close.IDLE.reason);
      return undefined;
    }
    // Plain websockets have no `h` frame: a ping keeps proxies from cutting them and proves the peer.
    if (now - this.lastPingAt >= this.context.heartbeatDelay) {
      this.lastPingAt = now;
      if (this.pingedAt === 0) this.pingedAt = now;
      this.socket.ping();
    }
    return this.nextDue();
  }

  /** The earliest of the next ping, the pong deadline and the idle timeout. */
  nextDue(): number | undefined {
    if (this.readyState !== ReadyState.OPEN) return undefined;
    const { context } = this;
    let due = this.lastPingAt + context.heartbeatDelay;
    if (this.pingedAt !== 0) due = Math.min(due, this.pingedAt + context.pongTimeout);
    if (context.idleTimeout > 0) due = Math.min(due, this.lastHeardAt + context.idleTimeout);
    return due;
  }

  socketMessage(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (!this.accepts(bytes > this.limits.maxTextMessageBytes)) return;
    this.counted(bytes);
    this.calls.message(text);
  }

  socketBinary(data: Buffer): void {
    if (!this.accepts(data.length > this.limits.maxBinaryMessageBytes)) return;
    this.counted(data.length);
    this.calls.binary(data);
  }

  socketTooBig(): void {
    this.close(Close.MESSAGE_TOO_BIG.code, Close.MESSAGE_TOO_BIG.reason);
  }

  socketPong(): void {
    this.pingedAt = 0;
  }

  socketDrained(): void {
    if (!this.drainOwed) return;
    this.drainOwed = false;
    this.calls.drained();
  }

  socketError(error: Error): void {
    const failure = new SockJsError('ERR_TRANSPORT', error.message, { cause: error });
    this.context.logger.warn({ err: failure, session: this.id }, 'transport error');
    if (this.readyState === ReadyState.OPEN) this.calls.transportError(failure);
    this.close(Close.TRANSPORT_ERROR.code, Close.TRANSPORT_ERROR.reason);
  }

  /** The websocket is closed: report it if the peer closed first, then forget the session. */
  socketClosed(code: number, reason: string): void {
    if (this.readyState === ReadyState.CLOSED) return;
    const wasOpen = this.readyState === ReadyState.OPEN;
    this.readyState = ReadyState.CLOSED;
    this.context.forget(this);
    if (!wasOpen) return;
    this.context.counters.closed(this.counts, code);
    this.calls.closed({ code, reason });
  }

  private write(message: string | Uint8Array): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    const bytes = typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength;
    if (this.socket.bufferedAmount + bytes > this.context.maxQueuedBytes) {
      this.context.counters.queueOverflows++;
      if (this.context.queueOverflow === 'close') {
        this.context.logger.warn({ session: this.id }, 'send queue overflow');
        this.close(Close.QUEUE_OVERFLOW.code, Close.QUEUE_OVERFLOW.reason);
      }
      return false;
    }
    this.socket.send(message);
    this.counts.messagesOut++;
    this.counts.bytesOut += bytes;
    // False promises an onDrain, and only a full socket emits 'drain': below the socket's own
    // high-water mark (16 KiB) a smaller sendHighWaterMark would leave the caller waiting forever.
    if (this.socket.bufferedAmount < this.context.sendHighWaterMark || !this.socket.full) return true;
    this.drainOwed = true;
    return false;
  }

  private counted(bytes: number): void {
    this.counts.messagesIn++;
    this.counts.bytesIn += bytes;
  }

  /** Whether a message may be delivered; one over its limit closes the session with 1009. */
  private accepts(tooBig: boolean): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    if (tooBig) {
      this.close(Close.MESSAGE_TOO_BIG.code, Close.MESSAGE_TOO_BIG.reason);
      return false;
    }
    if (this.context.idleTimeout > 0) this.lastHeardAt = Date.now();
    return true;
  }
}
