import type { IncomingHttpHeaders } from 'node:http';
import {
  Close,
  closeFrame,
  type CloseInfo,
  isValidCloseCode,
  OPEN_FRAME,
  quote,
  quotedMessageFrame,
  ReadyState,
  resumeFrame,
  SockJsError,
  type TransportName,
} from '../../protocol';
import { type Logger, type Principal, type SockJsHandler, type SockJsSession } from '../handler';
import type { Receiver, ReceiverDrop, ReceiverOwner } from '../../transports/receiver';
import type { EndpointCounters, TransportCounters } from '../stats';
import { HandlerCalls } from './handler-calls';
import { ResumeLog } from './resume-log';
import type { Timed } from './timer-wheel';

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
  /** The endpoint's stats, counted where things happen. */
  readonly counters: EndpointCounters;
  /** 0 = never. */
  readonly idleTimeout: number;
  /** The resume extension: how long a resumable session waits for its client, what it keeps. */
  readonly resumeWindow: number;
  readonly resumeMaxBytes: number;
  /** Called once, when the session is finally gone and its id may be reused. */
  forget(session: SockJsSession & Timed): void;
  /** Calls `session.flush()` once the current tick's sends are in: they leave as one frame. */
  scheduleFlush(session: Session): void;
  /**
   * Has the endpoint's timer wheel visit `session` at `due`: needed when a deadline comes forward,
   * optional (`later`) when all move later, which saves a visit that would find nothing due.
   */
  schedule(session: Timed, due: number | undefined, later?: boolean): void;
}

export interface SessionInit {
  id: string;
  transport: TransportName;
  remoteAddress: string;
  headers: IncomingHttpHeaders;
  /** From the handshake interceptors; undefined when they set none. */
  attributes: Map<string, unknown> | undefined;
  principal: Principal | undefined;
  protocol: string;
  /** Opened with `?resume=new` (docs/resume.md): a lost connection may be taken up again. */
  resumable?: boolean;
}

const ANOTHER_CONNECTION = closeFrame(Close.ANOTHER_CONNECTION.code, Close.ANOTHER_CONNECTION.reason);

/** A websocket closed like this was lost, not closed by its client: a resumable session waits for it. */
function lostWebSocket(info: CloseInfo): boolean {
  return info.code === Close.CONNECTION_LOST.code || info.code === 1005; /* no status: a dropped socket */
}

/**
 * The session state machine: CONNECTING until the first receiver gets `o`, OPEN, CLOSING from
 * `close()` (or loss) until the close frame is delivered or the linger time ends, then CLOSED.
 * Messages wait in a queue and go out as one `a[...]` frame per flush. Time-driven work
 * (heartbeats, the pong deadline, the disconnect delay, the idle timeout) happens in `sweep()`,
 * which the endpoint's timer wheel calls when the earliest of them is due: no timer per session.
 */
export class Session implements SockJsSession, ReceiverOwner, Timed {
  readonly id: string;
  readonly transport: TransportName;
  readonly remoteAddress: string;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly principal: Principal | undefined;
  readonly protocol: string;
  readyState: ReadyState = ReadyState.CONNECTING;
  bufferedAmount = 0;
  /** @internal The timer wheel's bookkeeping. */
  wheelTick = -1;
  /** Present on a resumable session: what it keeps for a client that comes back. */
  readonly resume: ResumeLog | undefined;
  /** Resumable: the last receiver was lost, not ended (a client coming back now is a resume, for the stats). */
  private connectionLost = false;

  /** Messages waiting, already quoted: a broadcast quotes once for every session. */
  private queue: string[] = [];
  private receiver: Receiver | undefined;
  /** Set once closing: replayed to any receiver that comes for this id until the session is gone. */
  private closing: string | undefined;
  private flushScheduled = false;
  /** send() said false (high-water mark): onDrain is owed once the queue empties. */
  private drainOwed = false;
  private attributeMap: Map<string, unknown> | undefined;
  /** When the last frame went out (heartbeats are due `heartbeatDelay` after it). */
  private lastFrameAt = 0;
  /** False while the handler has heartbeat frames off (`setHeartbeat`). */
  private heartbeats = true;
  /** When the last receiver left (the session ends `disconnectDelay` after it). */
  private detachedAt: number;
  /** When the client was last heard from (for `idleTimeout`). */
  private lastHeardAt: number;
  private readonly calls: HandlerCalls;
  /** This transport's counters: counting a message is a field addition. */
  private readonly counts: TransportCounters;

  constructor(
    init: SessionInit,
    private readonly context: SessionContext,
  ) {
    this.id = init.id;
    this.transport = init.transport;
    this.remoteAddress = init.remoteAddress;
    this.headers = init.headers;
    this.attributeMap = init.attributes;
    this.principal = init.principal;
    this.protocol = init.protocol;
    this.calls = new HandlerCalls(this, context.handler, context.logger);
    this.counts = context.counters.transports[init.transport];
    this.detachedAt = this.lastHeardAt = Date.now();
    if (init.resumable) this.resume = new ResumeLog(context.resumeMaxBytes);
  }

  get resumable(): boolean {
    return this.resume !== undefined;
  }

  /** Ms the session waits without a receiver: a resumable one, for its client to come back. */
  private get lingerDelay(): number {
    const { disconnectDelay, resumeWindow } = this.context;
    return this.resume ? Math.max(disconnectDelay, resumeWindow) : disconnectDelay;
  }

  /** Made on first use: most sessions never need one. */
  get attributes(): Map<string, unknown> {
    return (this.attributeMap ??= new Map());
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
    this.counts.messagesOut++;
    this.counts.bytesOut += bytes;
    if (this.receiver && !this.flushScheduled) {
      this.flushScheduled = true;
      this.context.scheduleFlush(this);
    }
    if (this.bufferedAmount < this.context.sendHighWaterMark) return true;
    this.drainOwed = true;
    return false;
  }

  sendBinary(_data: Uint8Array): boolean {
    throw new SockJsError('ERR_BINARY_UNSUPPORTED', `session ${this.id} (${this.transport})`);
  }

  close(code: number = Close.NORMAL.code, reason: string = Close.NORMAL.reason): void {
    if (!isValidCloseCode(code)) throw new SockJsError('ERR_INVALID_CLOSE_CODE', String(code));
    if (this.readyState !== ReadyState.OPEN && this.readyState !== ReadyState.CONNECTING) return;
    const closing = this.beginClosing({ code, reason });
    const receiver = this.receiver;
    if (receiver) this.deliverClose(receiver, closing);
  }

  setHeartbeat(enabled: boolean): void {
    if (this.heartbeats === enabled) return;
    this.heartbeats = enabled;
    // On: the next heartbeat may be due before whatever is filed. Off: it moved later, or away.
    this.context.schedule(this, this.nextDue(), !enabled);
  }

  /** A receiver arrives for this session (the first one opens it). */
  attach(receiver: Receiver): void {
    if (this.receiver) {
      receiver.sendFrame(ANOTHER_CONNECTION);
      receiver.end();
      return;
    }
    if (this.closing !== undefined) {
      this.deliverClose(receiver, this.closing);
      return;
    }
    this.receiver = receiver;
    receiver.bind(this);
    if (this.readyState === ReadyState.CONNECTING) {
      this.readyState = ReadyState.OPEN;
      this.write(receiver, OPEN_FRAME);
      this.counts.opened++;
      this.calls.opened();
    } else {
      this.flush();
    }
    if (this.receiver === receiver && this.lastFrameAt === 0) this.lastFrameAt = Date.now();
    // Filed under the disconnect deadline until now: the next heartbeat is what is due next.
    this.context.schedule(this, this.nextDue(), true);
  }

  /**
   * A client of a resumable session is back (or goes on) with a new receiver, having received
   * `received` messages: the rest is written again, after an `r` frame saying how many of its
   * messages were delivered. A receiver still attached is one the client has given up on: it is
   * ended, silently. Out of range, the client gets `c[2011,...]`.
   */
  resumeWith(receiver: Receiver, received: number): void {
    const log = this.resume;
    if (!log || this.readyState === ReadyState.CLOSED || !log.confirm(received)) {
      receiver.sendFrame(closeFrame(Close.NOT_RESUMABLE.code, `${Close.NOT_RESUMABLE.reason} from ${received}`));
      receiver.end();
      return;
    }
    const previous = this.receiver;
    if (previous) {
      this.receiver = undefined;
      previous.unbind();
      previous.end();
    }
    const back = log.takeUnconfirmed();
    if (back.quoted.length > 0) {
      this.queue = this.queue.length === 0 ? back.quoted : back.quoted.concat(this.queue);
      this.bufferedAmount += back.bytes;
    }
    // A poll or a stream that goes on is no resume; a client back after a loss, or behind, is.
    if (previous || this.connectionLost || back.quoted.length > 0) this.context.counters.resumes++;
    this.connectionLost = false;
    receiver.sendFrame(resumeFrame(log.delivered), true);
    log.ackOwed = false;
    this.attach(receiver);
  }

  /**
   * A numbered batch from the client of a resumable session (`r<seq>,<ack>[...]`): what it has
   * received is confirmed, messages delivered before are skipped. An error when the numbers are
   * out of range (the batch is then not delivered).
   */
  deliverBatch(seq: number, ack: number, messages: readonly string[], byWebSocket: boolean): SockJsError | undefined {
    const log = this.resume;
    if (!log) return new SockJsError('ERR_RESUME_INVALID', `session ${this.id} is not resumable`);
    if (!log.acknowledge(ack))
      return new SockJsError('ERR_RESUME_SEQUENCE', `received ${ack}, but ${log.written} were sent`);
    const seen = log.alreadyDelivered(seq, messages.length);
    if (seen === undefined)
      return new SockJsError('ERR_RESUME_SEQUENCE', `batch from ${seq}, but ${log.delivered} were delivered`);
    if (seen < messages.length) this.deliver(seen === 0 ? messages : messages.slice(seen));
    // Over a websocket the client learns what arrived from an `r` frame; an xhr_send's 204 says it.
    if (byWebSocket && messages.length > 0) log.ackOwed = true;
    if ((log.ackOwed || this.queue.length > 0) && this.receiver && !this.flushScheduled) {
      this.flushScheduled = true;
      this.context.scheduleFlush(this);
    }
    return undefined;
  }

  /** Resumable: the client closed the session (over HTTP, by `c[code,"reason"]`): it ends now. */
  closedByClient(code: number, reason: string): void {
    if (!this.resume || this.readyState === ReadyState.CLOSED) return;
    if (this.closing === undefined) this.beginClosing({ code, reason });
    this.receiver?.end();
    this.finish();
  }

  /** Messages from the client, in order. */
  deliver(messages: readonly string[]): void {
    if (this.context.idleTimeout > 0) this.lastHeardAt = Date.now();
    const counts = this.counts;
    counts.messagesIn += messages.length;
    for (const message of messages) {
      counts.bytesIn += Buffer.byteLength(message);
      this.calls.message(message);
    }
  }

  /** The transport failed: report it, then close. */
  fail(error: Error): void {
    if (this.readyState !== ReadyState.OPEN) return;
    this.context.logger.warn({ err: error, session: this.id }, 'transport error');
    this.calls.transportError(error);
    this.closeWith(Close.TRANSPORT_ERROR);
  }

  /** Sends what is queued as one frame, if the receiver can take it now. */
  flush(): void {
    this.flushScheduled = false;
    const receiver = this.receiver;
    if (!receiver || !receiver.writable) return;
    const log = this.resume;
    if (log?.ackOwed) {
      log.ackOwed = false;
      this.write(receiver, resumeFrame(log.delivered));
      if (this.receiver !== receiver || !receiver.writable) return;
    }
    // A resumable session at its bound waits for the client to confirm what it has.
    if (this.queue.length === 0 || log?.full === true) return;
    const frame = quotedMessageFrame(this.queue);
    log?.wrote(this.queue, this.bufferedAmount);
    this.queue = [];
    this.bufferedAmount = 0;
    this.write(receiver, frame);
    if (this.drainOwed) {
      this.drainOwed = false;
      this.calls.drained();
    }
  }

  /** The timer wheel's visit: heartbeat, dead receiver, disconnect delay, idle timeout. */
  sweep(now: number): number | undefined {
    if (this.readyState === ReadyState.CLOSED) return undefined;
    const receiver = this.receiver;
    if (receiver) {
      receiver.sweep(now);
      if (
        this.heartbeats &&
        this.receiver === receiver &&
        receiver.writable &&
        now - this.lastFrameAt >= this.context.heartbeatDelay
      ) {
        this.lastFrameAt = now;
        receiver.heartbeat(now);
      }
    } else if (now - this.detachedAt >= this.lingerDelay) {
      this.disconnectTimeout();
      return undefined;
    }
    const { idleTimeout } = this.context;
    if (idleTimeout > 0 && this.readyState === ReadyState.OPEN && now - this.lastHeardAt >= idleTimeout) {
      this.closeWith(Close.IDLE);
    }
    return this.nextDue();
  }

  /**
   * The earliest of the session's deadlines (a full receiver's heartbeat, overdue, is retried next
   * tick); undefined while none is set (heartbeats off, nothing else pending): whatever sets one
   * again (`attach`, a receiver leaving, `setHeartbeat(true)`) schedules the session itself.
   */
  nextDue(): number | undefined {
    if (this.readyState === ReadyState.CLOSED) return undefined;
    const { receiver, context } = this;
    let due = receiver
      ? Math.min(this.heartbeats ? this.lastFrameAt + context.heartbeatDelay : Infinity, receiver.deadline)
      : this.detachedAt + this.lingerDelay;
    if (context.idleTimeout > 0 && this.readyState === ReadyState.OPEN)
      due = Math.min(due, this.lastHeardAt + context.idleTimeout);
    // The receiver's deadline is Infinity when it has none: the wheel gets no time then.
    return Number.isFinite(due) ? due : undefined;
  }

  receiverDetached(receiver: Receiver, sessionOver: CloseInfo | undefined): void {
    if (this.receiver !== receiver) return;
    this.receiver = undefined;
    this.detachedAt = Date.now();
    this.lastFrameAt = 0;
    if (this.resume) return this.resumableDetached(receiver, sessionOver);
    if (sessionOver && this.closing === undefined) this.beginClosing(sessionOver);
    // A websocket session has no id a client could come back with; any other lingers so the
    // next request for its id gets the close frame.
    if (sessionOver && this.transport === 'websocket') this.finish();
    else this.context.schedule(this, this.nextDue());
  }

  /**
   * A resumable session outlives a lost connection (what was written to it is kept), and lingers
   * even once closing, so that a client that missed the close frame still gets it. Only a
   * websocket that its client closed (or that broke the protocol) ends it at once.
   */
  private resumableDetached(receiver: Receiver, over: CloseInfo | undefined): void {
    if (over && lostWebSocket(over)) this.connectionLost = true;
    if (over && receiver.transport === 'websocket' && !lostWebSocket(over) && this.closing === undefined) {
      this.beginClosing(over);
      return this.finish();
    }
    this.context.schedule(this, this.nextDue());
  }

  receiverDrained(): void {
    this.flush();
  }

  receiverLost(_receiver: Receiver, info: CloseInfo): void {
    // Resumable: those frames are kept until the client confirms them; the session goes on.
    if (this.resume) {
      this.connectionLost = true;
      this.context.counters.droppedResumed++;
      return;
    }
    // Its last frames died with the connection after it had ended: a dropped response too.
    this.context.counters.droppedInterrupted++;
    if (this.readyState !== ReadyState.OPEN) return;
    const closing = this.beginClosing(info);
    if (this.receiver) this.deliverClose(this.receiver, closing);
  }

  receiverDropped(_receiver: Receiver, how: ReceiverDrop): void {
    this.connectionLost = true;
    const { counters } = this.context;
    if (how === 'pong-timeout') counters.pongTimeouts++;
    // A resumable session is not interrupted by a drop, whatever `onDroppedResponse` says.
    else if (how === 'interrupted' && !this.resume) counters.droppedInterrupted++;
    else counters.droppedResumed++;
  }

  /** Ends the session at once (endpoint shutdown): close frame to a live receiver, then gone. */
  terminate(info: CloseInfo): void {
    this.close(info.code, info.reason);
    this.receiver?.end();
    this.finish();
  }

  /** The client does not read what we send: drop the new message, or close and drop them all. */
  private overflow(): boolean {
    this.context.counters.queueOverflows++;
    if (this.context.queueOverflow === 'close') {
      this.context.logger.warn({ session: this.id, queued: this.queue.length }, 'send queue overflow');
      this.queue = [];
      this.bufferedAmount = 0;
      this.closeWith(Close.QUEUE_OVERFLOW);
    }
    return false;
  }

  private write(receiver: Receiver, frame: string): void {
    receiver.sendFrame(frame);
    this.lastFrameAt = Date.now();
  }

  private closeWith(info: CloseInfo): void {
    this.close(info.code, info.reason);
  }

  private deliverClose(receiver: Receiver, closing: string): void {
    this.flushTo(receiver);
    receiver.sendFrame(closing);
    receiver.end();
    // Linger from now: a client that keeps coming back keeps getting the close frame.
    if (this.receiver === undefined) this.detachedAt = Date.now();
  }

  /** Queued messages go out before the close frame, even on a receiver that is not ours yet. */
  private flushTo(receiver: Receiver): void {
    if (this.queue.length === 0) return;
    this.resume?.wrote(this.queue, this.bufferedAmount);
    receiver.sendFrame(quotedMessageFrame(this.queue));
    this.queue = [];
    this.bufferedAmount = 0;
  }

  /** Enters CLOSING; returns the close frame every receiver gets from now on. */
  private beginClosing(info: CloseInfo): string {
    const wasOpen = this.readyState === ReadyState.OPEN;
    this.readyState = ReadyState.CLOSING;
    const closing = (this.closing = closeFrame(info.code, info.reason));
    // The handler hears of the close only for a session it saw open; the stats count the same ones.
    if (wasOpen) {
      this.context.counters.closed(this.counts, info.code);
      this.calls.closed(info);
    }
    return closing;
  }

  /** No receiver for `disconnectDelay`: the client is gone (or has had its close frame). */
  private disconnectTimeout(): void {
    if (this.closing === undefined && this.readyState === ReadyState.OPEN) this.beginClosing(Close.CONNECTION_LOST);
    this.finish();
  }

  /** Forgets the session for good; its id may be reused from now on. */
  private finish(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    this.queue = [];
    this.bufferedAmount = 0;
    this.receiver?.unbind();
    this.receiver = undefined;
    this.context.forget(this);
  }
}
