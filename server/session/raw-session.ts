import type { IncomingHttpHeaders } from 'node:http';
import { SockJsError } from '../errors';
import { CloseCode, ReadyState, isValidCloseCode, type CloseInfo, type Principal, type SockJsSession, type TransportName } from '../handler';
import type { TextSocket } from '../../transports/text-socket';
import { HandlerCalls } from './handler-calls';
import { IdleTimer } from './idle-timer';
import { PongDeadline } from '../../transports/pong-deadline';
import type { SessionContext, SessionInit } from './session';

/** Limits a raw websocket session checks per message type (`ws` bounds the larger of the two). */
export interface RawLimits {
  readonly maxTextMessageBytes: number;
  readonly maxBinaryMessageBytes: number;
}

/**
 * A session over a plain websocket: the raw `{prefix}/websocket` route of a SockJS endpoint, or a
 * websocket-only endpoint. Text and binary messages, no SockJS framing, no queue of its own (the
 * websocket buffers), the same handler interface.
 */
export class RawSession implements SockJsSession {
  readonly id: string;
  readonly transport: TransportName = 'websocket-raw';
  readonly remoteAddress: string;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly attributes: Map<string, unknown>;
  readonly principal: Principal | undefined;
  readonly protocol: string;
  readyState: ReadyState = ReadyState.OPEN;
  private readonly calls: HandlerCalls;
  private readonly idle: IdleTimer | undefined;
  /** Plain websockets have no `h` frame: a ping every `heartbeatDelay` keeps proxies and liveness. */
  private readonly pinger: NodeJS.Timeout;
  private readonly pong: PongDeadline;
  private drainOwed = false;

  constructor(
    init: SessionInit,
    private readonly socket: TextSocket,
    private readonly context: SessionContext,
    private readonly limits: RawLimits,
  ) {
    this.id = init.id;
    this.remoteAddress = init.remoteAddress;
    this.headers = init.headers;
    this.attributes = init.attributes;
    this.principal = init.principal;
    this.protocol = socket.protocol;
    this.calls = new HandlerCalls(this, context.handler, context.logger);
    if (context.idleTimeout > 0) {
      this.idle = new IdleTimer(context.idleTimeout, () => this.close(CloseCode.GOING_AWAY, 'Idle timeout'));
    }
    this.pong = new PongDeadline(context.pongTimeout, () => {
      socket.terminate();
      this.closed({ code: CloseCode.CONNECTION_LOST, reason: 'No pong' });
    });
    this.pinger = setInterval(() => {
      socket.ping();
      this.pong.pinged();
    }, context.heartbeatDelay);
    this.pinger.unref();
    socket.listen({
      pong: () => this.pong.ponged(),
      tooBig: () => this.close(CloseCode.MESSAGE_TOO_BIG, 'Message too big'),
      message: (text) => {
        if (this.accepts(Buffer.byteLength(text) > limits.maxTextMessageBytes)) this.calls.message(text);
      },
      binary: (data) => {
        if (this.accepts(data.length > limits.maxBinaryMessageBytes)) this.calls.binary(data);
      },
      close: (code, reason) => this.closed({ code, reason }),
      drain: () => this.drained(),
      error: (error) => this.fail(error),
    });
    this.calls.opened();
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

  close(code: number = CloseCode.NORMAL, reason = 'Normal closure'): void {
    if (!isValidCloseCode(code)) throw new SockJsError('ERR_INVALID_CLOSE_CODE', String(code));
    if (this.readyState !== ReadyState.OPEN) return;
    this.readyState = ReadyState.CLOSING;
    this.idle?.stop();
    this.calls.closed({ code, reason });
    this.socket.close(code, reason);
  }

  terminate(info: CloseInfo): void {
    this.close(info.code, info.reason);
    this.socket.terminate();
    this.closed(info);
  }

  private write(message: string | Uint8Array): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    const bytes = typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength;
    if (this.socket.bufferedAmount + bytes > this.context.maxQueuedBytes) {
      if (this.context.queueOverflow === 'close') {
        this.context.logger.warn({ session: this.id }, 'send queue overflow');
        this.close(CloseCode.SESSION_NOT_RELIABLE, 'Send queue overflow');
      }
      return false;
    }
    this.socket.send(message);
    if (this.socket.bufferedAmount < this.context.sendHighWaterMark) return true;
    this.drainOwed = true;
    return false;
  }

  /** Whether a message may be delivered; one over its limit closes the session with 1009. */
  private accepts(tooBig: boolean): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    if (tooBig) {
      this.close(CloseCode.MESSAGE_TOO_BIG, 'Message too big');
      return false;
    }
    this.idle?.touch();
    return true;
  }

  private drained(): void {
    if (!this.drainOwed) return;
    this.drainOwed = false;
    this.calls.drained();
  }

  private fail(error: Error): void {
    const failure = new SockJsError('ERR_TRANSPORT', error.message, { cause: error });
    this.context.logger.warn({ err: failure, session: this.id }, 'transport error');
    if (this.readyState === ReadyState.OPEN) this.calls.transportError(failure);
    this.close(CloseCode.SERVER_ERROR, 'Transport error');
  }

  /** The websocket is closed: report it if the peer closed first, then forget the session. */
  private closed(info: CloseInfo): void {
    if (this.readyState === ReadyState.CLOSED) return;
    const wasOpen = this.readyState === ReadyState.OPEN;
    this.readyState = ReadyState.CLOSED;
    this.idle?.stop();
    clearInterval(this.pinger);
    this.pong.stop();
    this.context.forget(this);
    if (wasOpen) this.calls.closed(info);
  }
}
