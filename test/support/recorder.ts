/** A SockJsHandler that records every callback, in order, and lets tests wait for them. */
import type { CloseInfo, SockJsHandler, SockJsSession } from '../../server';
import { Events } from './events';
import { DEFAULT_WAIT_MS } from './wait';

export type HandlerEvent =
  | { kind: 'open'; session: SockJsSession; readyState: number }
  | { kind: 'message'; session: SockJsSession; readyState: number; message: string }
  | { kind: 'error'; session: SockJsSession; readyState: number; error: Error }
  | { kind: 'close'; session: SockJsSession; readyState: number; info: CloseInfo };

/** Hooks run after the event is recorded; what they return (or throw) is what the handler does. */
export type Hooks = SockJsHandler;

export class Recorder {
  private readonly log = new Events<HandlerEvent>();
  readonly handler: SockJsHandler;

  constructor(hooks: Hooks = {}) {
    this.handler = {
      onOpen: (session) => {
        this.log.push({ kind: 'open', session, readyState: session.readyState });
        return hooks.onOpen?.(session);
      },
      onMessage: (session, message) => {
        this.log.push({ kind: 'message', session, readyState: session.readyState, message });
        return hooks.onMessage?.(session, message);
      },
      onTransportError: (session, error) => {
        this.log.push({ kind: 'error', session, readyState: session.readyState, error });
        return hooks.onTransportError?.(session, error);
      },
      onClose: (session, info) => {
        this.log.push({ kind: 'close', session, readyState: session.readyState, info: { ...info } });
        return hooks.onClose?.(session, info);
      },
    };
  }

  /** Every event so far, in order. */
  get events(): readonly HandlerEvent[] {
    return this.log.items;
  }

  /** How many events are recorded so far: pass it as `from` to wait only for later ones. */
  mark(): number {
    return this.log.mark();
  }

  /** The first recorded event (at index `from` or later) matching `predicate`, waiting for it if need be. */
  waitFor(
    predicate: (event: HandlerEvent) => boolean,
    what: string,
    ms = DEFAULT_WAIT_MS,
    from = 0,
  ): Promise<HandlerEvent> {
    return this.log.waitFor(predicate, what, ms, from);
  }

  /** The session of the first onOpen at index `from` or later. */
  async waitForOpen(from = 0, what = 'onOpen'): Promise<SockJsSession> {
    return (await this.waitFor((e) => e.kind === 'open', what, DEFAULT_WAIT_MS, from)).session;
  }

  async waitForClose(session: SockJsSession, what = 'onClose'): Promise<CloseInfo> {
    const event = await this.waitFor((e) => e.kind === 'close' && e.session === session, what);
    if (event.kind !== 'close') throw new Error('unreachable');
    return event.info;
  }

  /** Events of one session, as short strings: `open`, `message:x`, `error`, `close:1000`. */
  trace(session: SockJsSession): string[] {
    return this.events
      .filter((e) => e.session === session)
      .map((e) => {
        switch (e.kind) {
          case 'open':
            return 'open';
          case 'message':
            return `message:${e.message}`;
          case 'error':
            return 'error';
          case 'close':
            return `close:${e.info.code}`;
        }
      });
  }

  count(kind: HandlerEvent['kind'], session?: SockJsSession): number {
    return this.log.count((e) => e.kind === kind && (session === undefined || e.session === session));
  }
}
