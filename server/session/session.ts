import type { IncomingHttpHeaders } from 'node:http';
import {
  CloseCode,
  isValidCloseCode,
  ReadyState,
  type CloseInfo,
  type Logger,
  type Principal,
  type SockJsHandler,
  type SockJsSession,
  type TransportName,
} from '../handler';
import { OPEN_FRAME, closeFrame, quote, quotedMessageFrame } from '../protocol/frames';
import type { Receiver } from '../../transports/receiver';
import { SockJsError } from '../errors';
import { HandlerCalls } from './handler-calls';
import { IdleTimer } from './idle-timer';

/** What a session needs from its endpoint. */
export interface SessionContext {
  readonly handler: SockJsHandler;
  readonly logger: Logger;
  readonly heartbeatDelay: number;
  readonly disconnectDelay: number;
  readonly sendHighWaterMark: number;
  readonly maxQueuedMessages: number;
  readonly maxQueuedBytes: number;
  readonly queueOverflow: 'close' | 'drop';
  readonly pongTimeout: number;
  /** 0 = never. */
  readonly idleTimeout: number;
  /** Called once, when the session is finally gone and its id may be reused. */
  forget(session: SockJsSession): void;
  /** Calls `session.flush()` once the current tick's sends are in: they leave as one frame. */
  scheduleFlush(session: Session): void;
}

export interface SessionInit {
  id: string;
  transport: TransportName;
  remoteAddress: string;
  headers: IncomingHttpHeaders;
  /** From the handshake interceptors. */
  attributes: Map<string, unknown>;
  principal: Principal | undefined;
  protocol: string;
}

const ANOTHER_CONNECTION = closeFrame(2010, 'Another connection still open');
const CONNECTION_LOST: CloseInfo = { code: CloseCode.CONNECTION_LOST, reason: 'Connection lost' };

/**
 * The session state machine: CONNECTING until the first receiver gets `o`, OPEN, CLOSING from
 * `close()` (or loss) until the close frame is delivered or the linger time ends, then CLOSED.
 * Messages wait in a queue and go out as one `a[...]` frame per flush.
 */
export class Session implements SockJsSession {
  readonly id: string;
  readonly transport: TransportName;
  readonly remoteAddress: string;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly attributes: Map<string, unknown>;
  readonly principal: Principal | undefined;
  readonly protocol: string;
  readyState: ReadyState = ReadyState.CONNECTING;
  bufferedAmount = 0;

  /** Messages waiting, already quoted: a broadcast quotes once for every session. */
  private queue: string[] = [];
  private receiver: Receiver | undefined;
  /** Set once closing: replayed to any receiver that comes for this id until the session is gone. */
  private closing: string | undefined;
  private flushScheduled = false;
  /** send() said false (high-water mark): onDrain is owed once the queue empties. */
  private drainOwed = false;
  private idle: IdleTimer | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private readonly calls: HandlerCalls;

  constructor(init: SessionInit, private readonly context: SessionContext) {
    this.id = init.id;
    this.transport = init.transport;
    this.remoteAddress = init.remoteAddress;
    this.headers = init.headers;
    this.attributes = init.attributes;
    this.principal = init.principal;
    this.protocol = init.protocol;
    this.calls = new HandlerCalls(this, context.handler, context.logger);
    this.armDisconnect();
  }

  send(message: string): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    const text = String(message);
    return this.sendQuoted(quote(text), Buffer.byteLength(text));
  }

  /** `send()` of a message already quoted (`bytes`: its UTF-8 length before quoting). */
  sendQuoted(quoted: string, bytes: number): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    const { maxQueuedMessages, maxQueuedBytes } = this.context;
    if (this.queue.length >= maxQueuedMessages || this.bufferedAmount + bytes > maxQueuedBytes) return this.overflow();
    this.queue.push(quoted);
    this.bufferedAmount += bytes;
    if (this.receiver && !this.flushScheduled) {
      this.flushScheduled = true;
      this.context.scheduleFlush(this);
    }
    if (this.bufferedAmount < this.context.sendHighWaterMark) return true;
    this.drainOwed = true;
    return false;
  }

  /** The client does not read what we send: drop the new message, or close and drop them all. */
  private overflow(): boolean {
    if (this.context.queueOverflow === 'close') {
      this.context.logger.warn({ session: this.id, queued: this.queue.length }, 'send queue overflow');
      this.queue = [];
      this.bufferedAmount = 0;
      this.close(CloseCode.SESSION_NOT_RELIABLE, 'Send queue overflow');
    }
    return false;
  }

  sendBinary(_data: Uint8Array): boolean {
    throw new SockJsError('ERR_BINARY_UNSUPPORTED', `session ${this.id} (${this.transport})`);
  }

  close(code: number = CloseCode.NORMAL, reason = 'Normal closure'): void {
    if (!isValidCloseCode(code)) throw new SockJsError('ERR_INVALID_CLOSE_CODE', String(code));
    if (this.readyState !== ReadyState.OPEN && this.readyState !== ReadyState.CONNECTING) return;
    this.beginClosing({ code, reason });
    const receiver = this.receiver;
    if (receiver) this.deliverClose(receiver);
  }

  /** A receiver arrives for this session (the first one opens it). */
  attach(receiver: Receiver): void {
    if (this.receiver) {
      receiver.sendFrame(ANOTHER_CONNECTION);
      receiver.end();
      return;
    }
    if (this.closing !== undefined) {
      this.deliverClose(receiver);
      return;
    }
    this.clearDisconnect();
    this.receiver = receiver;
    receiver.onDetach = (sessionOver) => this.detach(receiver, sessionOver);
    receiver.onDrain = () => this.flush();
    if (this.readyState === ReadyState.CONNECTING) {
      this.readyState = ReadyState.OPEN;
      this.write(receiver, OPEN_FRAME);
      if (this.context.idleTimeout > 0) {
        this.idle = new IdleTimer(this.context.idleTimeout, () => this.close(CloseCode.GOING_AWAY, 'Idle timeout'));
      }
      this.calls.opened();
    } else {
      this.flush();
    }
    if (this.receiver === receiver) this.startHeartbeat();
  }

  /** Messages from the client, in order. */
  deliver(messages: readonly string[]): void {
    this.idle?.touch();
    for (const message of messages) this.calls.message(message);
  }

  /** The transport failed: report it, then close. */
  fail(error: Error): void {
    if (this.readyState !== ReadyState.OPEN) return;
    this.context.logger.warn({ err: error, session: this.id }, 'transport error');
    this.calls.transportError(error);
    this.close(CloseCode.SERVER_ERROR, 'Transport error');
  }

  /** Sends what is queued as one frame, if the receiver can take it now. */
  flush(): void {
    this.flushScheduled = false;
    const receiver = this.receiver;
    if (!receiver || !receiver.writable || this.queue.length === 0) return;
    const frame = quotedMessageFrame(this.queue);
    this.queue = [];
    this.bufferedAmount = 0;
    this.write(receiver, frame);
    if (this.drainOwed) {
      this.drainOwed = false;
      this.calls.drained();
    }
  }

  private write(receiver: Receiver, frame: string): void {
    receiver.sendFrame(frame);
    this.heartbeatTimer?.refresh();
  }

  private deliverClose(receiver: Receiver): void {
    this.flushTo(receiver);
    receiver.sendFrame(this.closing as string);
    receiver.end();
    if (this.receiver === undefined) this.armDisconnect();
  }

  /** Queued messages go out before the close frame, even on a receiver that is not ours yet. */
  private flushTo(receiver: Receiver): void {
    if (this.queue.length === 0) return;
    receiver.sendFrame(quotedMessageFrame(this.queue));
    this.queue = [];
    this.bufferedAmount = 0;
  }

  private beginClosing(info: CloseInfo): void {
    const wasOpen = this.readyState === ReadyState.OPEN;
    this.readyState = ReadyState.CLOSING;
    this.idle?.stop();
    this.closing = closeFrame(info.code, info.reason);
    // The handler hears of the close only for a session it saw open.
    if (wasOpen) this.calls.closed(info);
  }

  private detach(receiver: Receiver, sessionOver: CloseInfo | undefined): void {
    if (this.receiver !== receiver) return;
    this.receiver = undefined;
    receiver.onDetach = undefined;
    receiver.onDrain = undefined;
    this.stopHeartbeat();
    if (sessionOver && this.closing === undefined) this.beginClosing(sessionOver);
    // A websocket session has no id a client could come back with; any other lingers so the
    // next request for its id gets the close frame.
    if (sessionOver && this.transport === 'websocket') this.finish();
    else this.armDisconnect();
  }

  private startHeartbeat(): void {
    this.heartbeatTimer = setTimeout(() => this.heartbeat(), this.context.heartbeatDelay);
    this.heartbeatTimer.unref();
  }

  private heartbeat(): void {
    const receiver = this.receiver;
    if (!receiver) return;
    if (receiver.writable) receiver.heartbeat();
    // The receiver may have ended on that frame (polling): only re-arm for a live one.
    if (this.receiver === receiver) this.heartbeatTimer?.refresh();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private armDisconnect(): void {
    this.clearDisconnect();
    this.disconnectTimer = setTimeout(() => this.disconnectTimeout(), this.context.disconnectDelay);
    this.disconnectTimer.unref();
  }

  private clearDisconnect(): void {
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = undefined;
  }

  /** No receiver for `disconnectDelay`: the client is gone (or has had its close frame). */
  private disconnectTimeout(): void {
    this.disconnectTimer = undefined;
    if (this.receiver) return;
    if (this.closing === undefined && this.readyState === ReadyState.OPEN) this.beginClosing(CONNECTION_LOST);
    this.finish();
  }

  /** Forgets the session for good; its id may be reused from now on. */
  private finish(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    this.clearDisconnect();
    this.stopHeartbeat();
    this.queue = [];
    this.bufferedAmount = 0;
    this.context.forget(this);
  }

  /** Ends the session at once (endpoint shutdown): close frame to a live receiver, then gone. */
  terminate(info: CloseInfo): void {
    this.close(info.code, info.reason);
    this.receiver?.end();
    this.finish();
  }
}
