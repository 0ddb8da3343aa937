/**
 * SockJsSocket: a WebSocket-like SockJS connection. `/info` first, then the transports in order of
 * preference, each with an RTO-based timeout to open; reconnects with backoff when the connection
 * is lost (queueing what is sent meanwhile), and takes a connection that is silent for too long as
 * lost. Each connection is a new server session: what was in flight when one was lost may be lost
 * (at-most-once); a resume extension would add its acknowledgements where `opened`/`lost` are.
 */
import { SockJsError } from '../protocol/error-class';
import type { Frame } from '../protocol/frames';
import { ReadyState } from '../protocol/states';
import { SockJsEvents } from './events';
import { fetchInfo, OPEN_ROUND_TRIPS, type ServerInfo } from './info';
import {
  parseBaseUrl,
  PATH_SEGMENT,
  resolveSocketOptions,
  type ResolvedSocketOptions,
  type SockJsSocketOptions,
} from './options';
import { cancelTimer, platform, randomString, startTimer, type Timer } from './platform';
import { backoffDelay, isTransientClose } from './reconnect';
import { SendQueue, utf8Length } from './send-queue';
import { preferRemembered, rememberTransport } from './transport-memory';
import { OPENERS, type ClientTransportName, type Transport } from './transport';

/** Open timeout when the RTO is unknown (sockjs-client's). */
const DEFAULT_OPEN_TIMEOUT = 5000;

/** The transport in use (or being opened), by name. */
interface Current {
  readonly name: ClientTransportName;
  readonly transport: Transport;
}

export class SockJsSocket extends SockJsEvents {
  // Literals (ReadyState's values), not references to it: a bundler may then drop an unused class.
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  /** The URL given (http(s) or ws(s)). */
  readonly url: string;
  /** Always '': SockJS negotiates no sub-protocol. */
  readonly protocol = '';
  /** Accepted for WebSocket compatibility; SockJS carries text only, so it changes nothing. */
  binaryType = 'blob';

  #state: ReadyState = ReadyState.CONNECTING;
  #current: Current | null = null;
  readonly #options: ResolvedSocketOptions;
  readonly #base: string;
  readonly #query: string;
  readonly #queue: SendQueue;
  /** Increments with every attempt: callbacks of an abandoned attempt see a stale number and do nothing. */
  #attemptId = 0;
  /** Reconnect attempts since the connection was last open. */
  #attempts = 0;
  #everOpened = false;
  #openTimer: Timer | undefined;
  #retryTimer: Timer | undefined;
  #livenessTimer: Timer | undefined;
  #lastFrameAt = 0;
  readonly #onOnline = (): void => this.#retryNow();

  constructor(url: string, options: SockJsSocketOptions = {}) {
    super();
    const { base, query } = parseBaseUrl(url);
    const globals = platform();
    this.#options = resolveSocketOptions(options, { WebSocket: globals.WebSocket, EventSource: globals.EventSource });
    if (this.#usableTransports({ websocket: true, rto: 0 }).length === 0) {
      throw new SockJsError(
        'ERR_INVALID_OPTION',
        'SockJsSocket: no usable transport (a WebSocket or EventSource constructor is missing)',
      );
    }
    this.url = url;
    this.#base = base;
    this.#query = query;
    this.#queue = new SendQueue(this.#options.maxQueuedMessages, this.#options.maxQueuedBytes);
    globals.addEventListener?.('online', this.#onOnline);
    // Started on a fresh task, so that the caller can attach its handlers first.
    startTimer(0, () => this.#attempt());
  }

  get readyState(): ReadyState {
    return this.#state;
  }

  /** The transport in use while open, else null. */
  get transport(): ClientTransportName | null {
    return this.#state === ReadyState.OPEN && this.#current ? this.#current.name : null;
  }

  /** Messages waiting for a transport (sent while connecting or reconnecting). */
  get queuedMessages(): number {
    return this.#queue.length;
  }

  /**
   * Sends a text message: at once while open, else queued (bounded: ERR_CLIENT_QUEUE_FULL) until a
   * transport opens. Throws ERR_BINARY_UNSUPPORTED for anything but a string, ERR_CLIENT_CLOSED once closing.
   */
  send(data: string): void {
    if (typeof data !== 'string')
      throw new SockJsError('ERR_BINARY_UNSUPPORTED', `send() takes a string, got ${typeof data}`);
    if (this.#state === ReadyState.CLOSING || this.#state === ReadyState.CLOSED) {
      throw new SockJsError('ERR_CLIENT_CLOSED', 'send() after close');
    }
    if (this.#state === ReadyState.OPEN && this.#current) this.#current.transport.send(data);
    else this.#queue.push(data);
  }

  /**
   * Closes for good: no reconnect. `code` is 1000 or 3000–4999 (the WebSocket API's rule); on the
   * websocket transport the server receives it, the HTTP transports cannot carry it.
   */
  close(code = 1000, reason = 'Normal closure'): void {
    if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
      throw new SockJsError('ERR_INVALID_CLOSE_CODE', `close() takes 1000 or 3000-4999, got ${code}`);
    }
    // A websocket's close() would throw on a longer one, after the state had changed.
    if (typeof reason !== 'string' || utf8Length(reason) > 123) throw new SockJsError('ERR_INVALID_CLOSE_REASON');
    if (this.#state === ReadyState.CLOSING || this.#state === ReadyState.CLOSED) return;
    this.#state = ReadyState.CLOSING;
    this.#dropTransport(code, reason);
    startTimer(0, () => this.#finish(code, reason, true));
  }

  /** One attempt: /info, then the transports in turn. */
  #attempt(): void {
    if (this.#state !== ReadyState.CONNECTING) return;
    const id = ++this.#attemptId;
    fetchInfo(this.#base, this.#query, this.#options.infoTimeout).then(
      (info) => {
        if (id === this.#attemptId && this.#state === ReadyState.CONNECTING) this.#tryTransports(id, info);
      },
      (error: unknown) => {
        if (id !== this.#attemptId) return;
        const detail = error instanceof Error ? error.message : String(error);
        this.#failed(1002, `Cannot connect to server (${detail})`);
      },
    );
  }

  #usableTransports(info: Pick<ServerInfo, 'websocket' | 'rto'>): ClientTransportName[] {
    return this.#options.transports.filter((name) => {
      if (name === 'websocket') return info.websocket && this.#options.WebSocket !== undefined;
      if (name === 'eventsource') return this.#options.EventSource !== undefined;
      return true;
    });
  }

  #tryTransports(id: number, info: ServerInfo): void {
    const candidates = preferRemembered(this.#base, this.#usableTransports(info));
    if (candidates.length === 0) return this.#failed(2000, 'All transports failed (none the server offers)');
    const timeout = Math.max(this.#options.timeout, info.rto * OPEN_ROUND_TRIPS || DEFAULT_OPEN_TIMEOUT);
    this.#tryNext(id, candidates, timeout);
  }

  /** Opens the next candidate; `failures` says why each one before it did not open (for the close reason). */
  #tryNext(id: number, candidates: ClientTransportName[], timeout: number, failures: string[] = []): void {
    const name = candidates.shift();
    if (name === undefined) return this.#failed(2000, `All transports failed (${failures.join('; ')})`);
    const next = (why: string): void => {
      cancelTimer(this.#openTimer);
      this.#dropTransport();
      failures.push(`${name}: ${why}`);
      this.#tryNext(id, candidates, timeout, failures);
    };
    const slot: { current?: Current } = {};
    let transport: Transport;
    try {
      transport = OPENERS[name]({
        sessionUrl: `${this.#base}/${this.#options.server ?? randomString(3, '0123456789')}/${this.#newSessionId()}`,
        query: this.#query,
        WebSocket: this.#options.WebSocket,
        EventSource: this.#options.EventSource,
        hooks: {
          frame: (frame) => {
            if (slot.current && this.#current === slot.current) this.#onFrame(frame);
          },
          end: (code, reason) => {
            if (!slot.current || this.#current !== slot.current) return;
            if (this.#state === ReadyState.CONNECTING) next(reason);
            else this.#lost(code, reason);
          },
        },
      });
    } catch (error) {
      // A constructor that refuses the URL, a sessionId() that returns garbage: said in the close reason.
      return next(error instanceof Error ? error.message : String(error));
    }
    slot.current = { name, transport };
    this.#current = slot.current;
    this.#openTimer = startTimer(timeout, () => {
      if (id === this.#attemptId && this.#current === slot.current) next(`no open frame within ${timeout} ms`);
    });
  }

  #newSessionId(): string {
    const id = this.#options.sessionId ? this.#options.sessionId() : randomString(8);
    if (typeof id !== 'string' || !PATH_SEGMENT.test(id)) {
      throw new SockJsError('ERR_INVALID_OPTION', `SockJsSocket: sessionId() returned ${JSON.stringify(id)}`);
    }
    return id;
  }

  #onFrame(frame: Frame): void {
    this.#lastFrameAt = Date.now();
    if (frame.type === 'open')
      return this.#state === ReadyState.CONNECTING ? this.#opened() : this.#lost(1006, 'Server lost session');
    if (this.#state !== ReadyState.OPEN) return;
    if (frame.type === 'heartbeat') return this.emit({ type: 'heartbeat' });
    if (frame.type === 'messages') {
      for (const data of frame.messages) {
        if (this.#state !== ReadyState.OPEN) return; // a listener closed it: the rest is not delivered
        this.emit({ type: 'message', data });
      }
      return;
    }
    this.#dropTransport();
    if (isTransientClose(frame.code)) this.#lost(frame.code, frame.reason);
    else this.#finish(frame.code, frame.reason, true);
  }

  #opened(): void {
    const current = this.#current as Current;
    cancelTimer(this.#openTimer);
    this.#state = ReadyState.OPEN;
    rememberTransport(this.#base, current.name);
    const reconnected = this.#everOpened;
    const attempt = this.#attempts;
    this.#everOpened = true;
    this.#attempts = 0;
    for (const message of this.#queue.drain()) current.transport.send(message);
    this.#armLiveness();
    this.emit({ type: 'transport', transport: current.name });
    if (reconnected) this.emit({ type: 'reconnected', attempt, transport: current.name });
    else this.emit({ type: 'open', transport: current.name });
  }

  /** The open connection is gone (no close frame, a transient one, or silence). */
  #lost(code: number, reason: string): void {
    this.#dropTransport();
    this.#state = ReadyState.CONNECTING;
    this.#failed(code, reason);
  }

  /** An attempt failed, or the connection was lost: try again if allowed, else close. */
  #failed(code: number, reason: string): void {
    cancelTimer(this.#openTimer);
    this.#dropTransport();
    if (!this.#options.reconnect || this.#attempts >= this.#options.maxReconnectAttempts) {
      return this.#finish(code, reason, false);
    }
    this.#attempts++;
    const delay = backoffDelay(this.#options, this.#attempts);
    this.#retryTimer = startTimer(delay, () => this.#retryNow());
    this.emit({ type: 'reconnecting', attempt: this.#attempts, delay, code, reason });
  }

  /** Starts the scheduled attempt now (its delay over, or the browser back `online`). */
  #retryNow(): void {
    if (this.#retryTimer === undefined) return;
    cancelTimer(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#attempt();
  }

  #armLiveness(): void {
    const timeout = this.#options.livenessTimeout;
    if (timeout === 0) return;
    const check = (): void => {
      if (this.#state !== ReadyState.OPEN) return;
      const silent = Date.now() - this.#lastFrameAt;
      if (silent >= timeout) return this.#lost(1006, `No frame for ${silent} ms (liveness timeout)`);
      this.#livenessTimer = startTimer(timeout - silent, check);
    };
    this.#livenessTimer = startTimer(timeout, check);
  }

  /** Stops the transport in use, keeping what it had not sent for the next one. */
  #dropTransport(code?: number, reason?: string): void {
    cancelTimer(this.#livenessTimer);
    const current = this.#current;
    if (!current) return;
    this.#current = null;
    this.#queue.requeue(current.transport.takeUnsent());
    current.transport.close(code, reason);
  }

  #finish(code: number, reason: string, wasClean: boolean): void {
    if (this.#state === ReadyState.CLOSED) return;
    this.#attemptId++;
    cancelTimer(this.#openTimer);
    cancelTimer(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#dropTransport();
    this.#state = ReadyState.CLOSED;
    platform().removeEventListener?.('online', this.#onOnline);
    this.emit({ type: 'close', code, reason, wasClean, unsent: this.#queue.drain() });
  }
}
