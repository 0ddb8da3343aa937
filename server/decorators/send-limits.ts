import { checkOptionKeys, CloseCode, ReadyState, SockJsError } from '../../protocol';
import { type SockJsHandler, type SockJsSession } from '../handler';
import type { HandlerDecorator } from './compose';
import { SessionWrapper } from './session-wrapper';
import { sessionViewOf, setSessionView } from './session-view';

export interface SendLimits {
  /** Milliseconds a session may stay blocked (its queue at the high-water mark) before it is closed. */
  sendTimeLimit: number;
  /** Bytes this decorator may hold back for a blocked session. */
  bufferSizeLimit: number;
  /** When the buffer would pass its limit: close the session (4500) or drop the oldest messages. */
  overflow: 'terminate' | 'drop';
}

/** Every key of SendLimits, at run time; the compiler keeps it complete and exact. */
const SEND_LIMIT_KEYS = Object.keys({ sendTimeLimit: true, bufferSizeLimit: true, overflow: true } satisfies Record<
  keyof SendLimits,
  true
>);

/**
 * Bounds what a slow client can cost (Spring's `ConcurrentWebSocketSessionDecorator`). While the
 * session is blocked — its `send()` said false at `sendHighWaterMark` — messages wait here;
 * `onDrain` hands them on. A session blocked for longer than `sendTimeLimit` is closed with 4500;
 * a buffer over `bufferSizeLimit` closes it too, or drops the oldest messages.
 */
export function sendLimits(limits: SendLimits): HandlerDecorator {
  checkLimits(limits);
  return (inner: SockJsHandler): SockJsHandler => {
    const wrapped = new WeakMap<SockJsSession, LimitedSession>();
    const of = (session: SockJsSession): LimitedSession => {
      let limited = wrapped.get(session);
      if (!limited) wrapped.set(session, (limited = new LimitedSession(session, limits)));
      return limited;
    };
    const innerView = sessionViewOf(inner);
    const outer: SockJsHandler = {
      onOpen: inner.onOpen && ((session) => inner.onOpen?.(of(session))),
      onMessage: inner.onMessage && ((session, message) => inner.onMessage?.(of(session), message)),
      onBinaryMessage: inner.onBinaryMessage && ((session, data) => inner.onBinaryMessage?.(of(session), data)),
      onDrain(session) {
        const limited = of(session);
        limited.drained();
        if (!limited.blocked) return inner.onDrain?.(limited);
      },
      onTransportError: inner.onTransportError && ((session, error) => inner.onTransportError?.(of(session), error)),
      onClose(session, info) {
        const limited = of(session);
        limited.stop();
        return inner.onClose?.(limited, info);
      },
    };
    setSessionView(outer, (session) => innerView?.(of(session)) ?? of(session));
    return outer;
  };
}

function checkLimits(limits: SendLimits): void {
  checkOptionKeys('sendLimits', limits, SEND_LIMIT_KEYS);
  const ok =
    Number.isInteger(limits.sendTimeLimit) &&
    limits.sendTimeLimit > 0 &&
    Number.isInteger(limits.bufferSizeLimit) &&
    limits.bufferSizeLimit > 0 &&
    (limits.overflow === 'terminate' || limits.overflow === 'drop');
  if (!ok) {
    throw new SockJsError(
      'ERR_INVALID_OPTION',
      'sendLimits needs positive integer sendTimeLimit and bufferSizeLimit, overflow "terminate" or "drop"',
    );
  }
}

class LimitedSession extends SessionWrapper {
  blocked = false;
  private held: string[] = [];
  private heldBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    delegate: SockJsSession,
    private readonly limits: SendLimits,
  ) {
    super(delegate);
  }

  override get bufferedAmount(): number {
    return this.delegate.bufferedAmount + this.heldBytes;
  }

  override send(message: string): boolean {
    if (this.delegate.readyState !== ReadyState.OPEN) return false;
    if (!this.blocked) {
      if (!this.delegate.send(message)) this.block();
      return true;
    }
    return this.hold(message);
  }

  /** The session's queue emptied: hand on what was held until it blocks again. */
  drained(): void {
    this.unblock();
    while (this.held.length > 0 && !this.blocked) {
      const message = this.held.shift() as string;
      this.heldBytes -= Buffer.byteLength(message);
      if (!this.delegate.send(message)) this.block();
    }
  }

  stop(): void {
    this.unblock();
    this.held = [];
    this.heldBytes = 0;
  }

  private hold(message: string): boolean {
    const size = Buffer.byteLength(message);
    if (this.heldBytes + size > this.limits.bufferSizeLimit) {
      if (this.limits.overflow === 'terminate') {
        this.overflowed(`buffer over ${this.limits.bufferSizeLimit} bytes`);
        return false;
      }
      while (this.held.length > 0 && this.heldBytes + size > this.limits.bufferSizeLimit) {
        this.heldBytes -= Buffer.byteLength(this.held.shift() as string);
      }
      if (size > this.limits.bufferSizeLimit) return false;
    }
    this.held.push(message);
    this.heldBytes += size;
    return true;
  }

  private block(): void {
    this.blocked = true;
    this.timer ??= setTimeout(
      () => this.overflowed(`blocked for over ${this.limits.sendTimeLimit} ms`),
      this.limits.sendTimeLimit,
    );
    this.timer.unref();
  }

  private unblock(): void {
    this.blocked = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private overflowed(why: string): void {
    this.stop();
    this.delegate.close(CloseCode.SESSION_NOT_RELIABLE, `Send limit exceeded: ${why}`.slice(0, 120));
  }
}
