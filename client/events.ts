/**
 * The client's events, typed: a listener for `close` gets a close event, for `message` a message
 * event. `addEventListener` and the `on…` properties both receive them, as on a WebSocket.
 */
import { startTimer } from './platform';
import type { ClientTransportName } from './transport/types';

export interface SockJsOpenEvent {
  readonly type: 'open';
  readonly transport: ClientTransportName;
}

export interface SockJsMessageEvent {
  readonly type: 'message';
  readonly data: string;
}

export interface SockJsCloseEvent {
  readonly type: 'close';
  readonly code: number;
  readonly reason: string;
  /** True for a close frame from the server or a `close()` call; false when the connection was lost or never made. */
  readonly wasClean: boolean;
  /** Messages given to `send()` that never left: queued while offline, then the socket closed. */
  readonly unsent: readonly string[];
}

export interface SockJsHeartbeatEvent {
  readonly type: 'heartbeat';
}

/** The connection was lost (or an attempt failed) and another attempt is scheduled. */
export interface SockJsReconnectingEvent {
  readonly type: 'reconnecting';
  /** 1 for the first attempt after a loss. */
  readonly attempt: number;
  /** Ms until the attempt starts. */
  readonly delay: number;
  /** Why: the close code and reason of what was lost or failed. */
  readonly code: number;
  readonly reason: string;
}

/** Open again after a loss. */
export interface SockJsReconnectedEvent {
  readonly type: 'reconnected';
  readonly attempt: number;
  readonly transport: ClientTransportName;
  /** True: the same server session, nothing lost (the resume extension); false: a new server session. */
  readonly resumed: boolean;
}

/** A transport was opened (first open, and after each reconnect). */
export interface SockJsTransportEvent {
  readonly type: 'transport';
  readonly transport: ClientTransportName;
}

export interface SockJsEventMap {
  open: SockJsOpenEvent;
  message: SockJsMessageEvent;
  close: SockJsCloseEvent;
  heartbeat: SockJsHeartbeatEvent;
  reconnecting: SockJsReconnectingEvent;
  reconnected: SockJsReconnectedEvent;
  transport: SockJsTransportEvent;
}

export type SockJsEventType = keyof SockJsEventMap;
export type SockJsListener<K extends SockJsEventType> = (event: SockJsEventMap[K]) => void;

type HandlerProperties = { [K in SockJsEventType as `on${K}`]: SockJsListener<K> | null };

/** Listeners by type, and the `on…` handler properties, for the socket class. */
export class SockJsEvents implements HandlerProperties {
  onopen: SockJsListener<'open'> | null = null;
  onmessage: SockJsListener<'message'> | null = null;
  onclose: SockJsListener<'close'> | null = null;
  onheartbeat: SockJsListener<'heartbeat'> | null = null;
  onreconnecting: SockJsListener<'reconnecting'> | null = null;
  onreconnected: SockJsListener<'reconnected'> | null = null;
  ontransport: SockJsListener<'transport'> | null = null;
  /** Accepted for WebSocket compatibility (@stomp/stompjs sets it); failures arrive as `close`. */
  onerror: ((event: unknown) => void) | null = null;

  readonly #listeners = new Map<SockJsEventType, Set<SockJsListener<never>>>();

  addEventListener<K extends SockJsEventType>(type: K, listener: SockJsListener<K>): void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener<K extends SockJsEventType>(type: K, listener: SockJsListener<K>): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Calls the `on…` handler, then the listeners in the order added. */
  protected emit<K extends SockJsEventType>(event: SockJsEventMap[K] & { type: K }): void {
    const handler = this[`on${event.type}`] as SockJsListener<K> | null;
    if (handler) invoke(handler, event);
    const set = this.#listeners.get(event.type);
    if (set) for (const listener of [...set]) invoke(listener as SockJsListener<K>, event);
  }
}

/**
 * One listener's exception must not stop the others nor the socket's own bookkeeping: it is thrown
 * again on a fresh task, where it reaches the host's uncaught-error reporting (as a browser's
 * EventTarget reports it), not swallowed.
 */
function invoke<E>(listener: (event: E) => void, event: E): void {
  try {
    listener(event);
  } catch (error) {
    startTimer(0, () => {
      throw error;
    });
  }
}
