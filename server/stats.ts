import type { SockJsError, TransportName } from '../protocol';

/**
 * Every transport, in the order `stats()` lists them: each has its counters from the start, zeros
 * included (the compiler keeps the list complete).
 */
export const TRANSPORT_NAMES = Object.keys({
  websocket: true,
  'websocket-raw': true,
  'xhr-streaming': true,
  'xhr-polling': true,
  eventsource: true,
  htmlfile: true,
  'jsonp-polling': true,
} satisfies Record<TransportName, true>) as readonly TransportName[];

/** Why a request was refused before it reached a session (see `EndpointStats.refused`). */
export type RefusalReason = 'origin' | 'interceptor' | 'maxSessions' | 'closing' | 'other';

/** One transport's figures in `endpoint.stats()`. */
export interface TransportStats {
  /** Sessions open now (opened and not yet closed). */
  open: number;
  /** Sessions that opened (the handler's `onOpen`), since the endpoint was created. */
  opened: number;
  /** Sessions that closed after opening (the handler's `onClose`). */
  closed: number;
  /** Messages from clients, and their UTF-8 bytes (the text the handler sees, before framing). */
  messagesIn: number;
  bytesIn: number;
  /** Messages queued for clients (`send()` and broadcasts that took them), and their UTF-8 bytes. */
  messagesOut: number;
  bytesOut: number;
}

/** `endpoint.stats()`: a plain snapshot, safe to keep, log or serialize. Counts are since creation. */
export interface EndpointStats {
  /** Milliseconds since the endpoint was created. */
  uptime: number;
  /** All transports together. */
  sessions: {
    open: number;
    opened: number;
    closed: number;
    /** Closed sessions by the code of their close (`"1000"`, `"1006"`, ...). */
    closedByCode: Record<string, number>;
  };
  transports: Record<TransportName, TransportStats>;
  /**
   * Requests refused before reaching a session: disallowed `Origin` (on any transport request),
   * an interceptor's refusal, `maxSessions` reached, the endpoint closing, or a handshake that
   * failed (an interceptor or the principal resolver threw).
   */
  refused: Record<RefusalReason, number>;
  /** Sends past `maxQueuedMessages`/`maxQueuedBytes` (closed or dropped, see `queueOverflow`). */
  queueOverflows: number;
  /** Websockets dropped because a ping went unanswered for `pongTimeout`. */
  pongTimeouts: number;
  /** Receiving HTTP responses dropped mid-way: the session interrupted (1002) or left to resume (`onDroppedResponse`). */
  droppedResponses: { interrupted: number; resumed: number };
  /** Resume extension: lost connections whose client came back to its session (docs/resume.md). */
  resumes: number;
}

/**
 * One transport's counters. Sessions keep a reference to theirs, so counting a message is a field
 * addition: no lookup, no allocation.
 */
export class TransportCounters {
  opened = 0;
  closed = 0;
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
}

/** The counters of one endpoint, incremented where things happen; `snapshot()` copies them out. */
export class EndpointCounters {
  readonly transports: Readonly<Record<TransportName, TransportCounters>>;
  refusedOrigin = 0;
  refusedInterceptor = 0;
  refusedMaxSessions = 0;
  refusedClosing = 0;
  refusedOther = 0;
  queueOverflows = 0;
  pongTimeouts = 0;
  droppedInterrupted = 0;
  droppedResumed = 0;
  resumes = 0;
  /** Closes are rare next to messages: a Map keyed by code is cheap enough there. */
  private readonly closedByCode = new Map<number, number>();
  private readonly createdAt = Date.now();

  constructor() {
    const transports = {} as Record<TransportName, TransportCounters>;
    for (const name of TRANSPORT_NAMES) transports[name] = new TransportCounters();
    this.transports = transports;
  }

  /** A session that had opened is closed with `code`. */
  closed(counters: TransportCounters, code: number): void {
    counters.closed++;
    this.closedByCode.set(code, (this.closedByCode.get(code) ?? 0) + 1);
  }

  /** A request was refused with `error` before it reached a session. */
  refused(error: SockJsError, closing: boolean): void {
    switch (error.code) {
      case 'ERR_ORIGIN_NOT_ALLOWED':
        this.refusedOrigin++;
        return;
      case 'ERR_HANDSHAKE_REFUSED':
        this.refusedInterceptor++;
        return;
      case 'ERR_ENDPOINT_CLOSING':
        this.refusedClosing++;
        return;
      case 'ERR_TOO_MANY_SESSIONS':
        // A full endpoint that is also closing counts as closing.
        if (closing) this.refusedClosing++;
        else this.refusedMaxSessions++;
        return;
      default:
        this.refusedOther++;
    }
  }

  snapshot(): EndpointStats {
    const transports = {} as Record<TransportName, TransportStats>;
    let opened = 0;
    let closed = 0;
    for (const name of TRANSPORT_NAMES) {
      const t = this.transports[name];
      opened += t.opened;
      closed += t.closed;
      transports[name] = {
        open: t.opened - t.closed,
        opened: t.opened,
        closed: t.closed,
        messagesIn: t.messagesIn,
        bytesIn: t.bytesIn,
        messagesOut: t.messagesOut,
        bytesOut: t.bytesOut,
      };
    }
    const closedByCode: Record<string, number> = {};
    for (const [code, count] of [...this.closedByCode].sort((a, b) => a[0] - b[0])) closedByCode[code] = count;
    return {
      uptime: Date.now() - this.createdAt,
      sessions: { open: opened - closed, opened, closed, closedByCode },
      transports,
      refused: {
        origin: this.refusedOrigin,
        interceptor: this.refusedInterceptor,
        maxSessions: this.refusedMaxSessions,
        closing: this.refusedClosing,
        other: this.refusedOther,
      },
      queueOverflows: this.queueOverflows,
      pongTimeouts: this.pongTimeouts,
      droppedResponses: { interrupted: this.droppedInterrupted, resumed: this.droppedResumed },
      resumes: this.resumes,
    };
  }
}
