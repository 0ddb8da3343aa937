/**
 * SockJsSocket: a WebSocket-like SockJS connection. `/info` first, then the transports in order of
 * preference, each with an RTO-based timeout to open; reconnects with backoff when the connection
 * is lost (queueing what is sent meanwhile), and takes a connection that is silent for too long as
 * lost. Where the server offers the resume extension (docs/resume.md), a lost connection is
 * replaced under the same session within the server's window, nothing lost either way; otherwise
 * each connection is a new server session (at-most-once across it).
 */
import { SockJsError } from '../protocol/error-class';
import { encodeClientMessages, type Frame } from '../protocol/frames';
import { encodeClientClose, RESUME_MIN_ID_LENGTH, type ResumeOffer } from '../protocol/resume';
import type { ReadyState } from '../protocol/states';
import { SockJsEvents } from './events';
import { fetchInfo, OPEN_ROUND_TRIPS, type ServerInfo } from './info';
import {
  invalidOption,
  parseBaseUrl,
  PATH_SEGMENT,
  resolveSocketOptions,
  type ResolvedSocketOptions,
  type SockJsSocketOptions,
} from './options';
import { cancelTimer, describeError, platform, randomString, startTimer, type Timer } from './platform';
import { backoffDelay, isTransientClose } from './reconnect';
import { SendQueue, utf8Length } from './send-queue';
import { openingQuery, ResumableSession } from './resume';
import { preferRemembered, rememberTransport } from './transport-memory';
import { OPENERS, type ClientTransportName, type Transport } from './transport';

/** Open timeout when the RTO is unknown (sockjs-client's). */
const DEFAULT_OPEN_TIMEOUT = 5000;

/** The transport in use (or being opened), by name, and its session. */
interface Current {
  readonly name: ClientTransportName;
  readonly transport: Transport;
  readonly sessionUrl: string;
  /** The server's resume offer, asked for on this new session (`o` confirms it). */
  readonly offer: ResumeOffer | undefined;
  /** Set when the session is open with the resume extension (or is being taken up again). */
  session?: ResumableSession;
  /** Its numbered batches (resume): made once the session is open, numbered from what the server confirmed. */
  encoder?: ReturnType<ResumableSession['encoder']>;
}

type Encoder = NonNullable<Current['encoder']>;

/**
 * ReadyState's values, as a const enum: the bundler writes them in as numbers, where it would
 * keep every `State.OPEN` a property read of the shared object.
 */
const enum State {
  CONNECTING = 0,
  OPEN = 1,
  CLOSING = 2,
  CLOSED = 3,
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

  #state: ReadyState = State.CONNECTING;
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
  /** A transport is opening: waiting for `o` (a new session) or `r` (a session taken up again). */
  #opening = false;
  /** The last `/info` answer, for the transports and the resume offer of the next attempts. */
  #info: ServerInfo | undefined;
  /** The open session, when the server took it as resumable. */
  #resume: ResumableSession | null = null;
  /** Its connection was lost and it is being taken up again: readyState stays OPEN meanwhile. */
  #resuming = false;
  readonly #onOnline = (): void => this.#retryNow();

  constructor(url: string, options: SockJsSocketOptions = {}) {
    super();
    const { base, query } = parseBaseUrl(url);
    const globals = platform();
    this.#options = resolveSocketOptions(options, { WebSocket: globals.WebSocket, EventSource: globals.EventSource });
    if (this.#usableTransports({ websocket: true, rto: 0 }).length === 0) {
      throw invalidOption('no usable transport (a WebSocket or EventSource constructor is missing)');
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
    return this.#live?.name ?? null;
  }

  /** Where messages go now: the open transport, unless the session is being taken up again. */
  get #live(): Current | null {
    return this.#state === State.OPEN && !this.#resuming ? this.#current : null;
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
    if (this.#state >= State.CLOSING) throw new SockJsError('ERR_CLIENT_CLOSED', 'send() after close');
    const live = this.#live;
    if (live) this.#sendNow(live, data);
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
    if (this.#state >= State.CLOSING) return;
    this.#state = State.CLOSING;
    this.#dropTransport(code, reason);
    startTimer(0, () => this.#finish(code, reason, true));
  }

  /** One attempt: /info, then the transports in turn. */
  #attempt(): void {
    if (this.#state !== State.CONNECTING) return;
    const id = ++this.#attemptId;
    fetchInfo(this.#base, this.#query, this.#options.infoTimeout).then(
      (info) => {
        if (id === this.#attemptId && this.#state === State.CONNECTING) this.#tryTransports(id, info);
      },
      (error: unknown) => {
        if (id !== this.#attemptId) return;
        this.#failed(1002, `Cannot connect to server (${describeError(error)})`);
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

  /** The transports `info` allows, in turn; when resuming, the same as the session's first connection had. */
  #tryTransports(id: number, info: ServerInfo): void {
    this.#info = info;
    const candidates = preferRemembered(this.#base, this.#usableTransports(info));
    if (candidates.length === 0) return this.#failed(2000, 'All transports failed (none the server offers)');
    const timeout = Math.max(this.#options.timeout, info.rto * OPEN_ROUND_TRIPS || DEFAULT_OPEN_TIMEOUT);
    this.#tryNext(id, candidates, timeout);
  }

  /** Opens the next candidate; `failures` says why each one before it did not open (for the close reason). */
  #tryNext(id: number, candidates: ClientTransportName[], timeout: number, failures: string[] = []): void {
    const name = candidates.shift();
    if (name === undefined) {
      const reason = `All transports failed (${failures.join('; ')})`;
      return this.#resuming ? this.#resumeLater(2000, reason) : this.#failed(2000, reason);
    }
    const next = (why: string): void => {
      cancelTimer(this.#openTimer);
      this.#dropTransport();
      failures.push(`${name}: ${why}`);
      this.#tryNext(id, candidates, timeout, failures);
    };
    // This attempt's Current, once its transport is made: its callbacks act only while it is the one in use.
    let mine: Current | undefined;
    const resuming = this.#resuming ? this.#resume : null;
    let transport: Transport;
    let sessionUrl: string;
    let offer: ResumeOffer | undefined;
    try {
      if (resuming) sessionUrl = resuming.sessionUrl;
      else {
        offer = this.#options.resume ? this.#info?.resume : undefined;
        const sessionId = this.#newSessionId(offer !== undefined);
        if (sessionId.length < RESUME_MIN_ID_LENGTH) offer = undefined; // the server would refuse it
        sessionUrl = `${this.#base}/${this.#options.server ?? randomString(3, '0123456789')}/${sessionId}`;
      }
      const query = this.#query;
      const opening = offer ? openingQuery(query) : query;
      const encoder = (): Encoder | undefined => mine?.encoder;
      transport = OPENERS[name]({
        ...this.#options, // maxFrameLength, WebSocket, EventSource
        sessionUrl,
        query,
        receiveQuery: () => (mine?.session ?? resuming)?.receiveQuery(query) ?? opening,
        encode: (messages) => encoder()?.encode(messages) ?? encodeClientMessages(messages),
        delivered: (count) => encoder()?.delivered(count),
        closeBody: (code, reason) => (mine?.session ? encodeClientClose(code, reason) : undefined),
        hooks: {
          frame: (frame) => {
            if (this.#current === mine) this.#onFrame(frame);
          },
          end: (code, reason) => {
            if (this.#current !== mine) return;
            if (this.#opening) next(reason);
            else this.#lost(code, reason);
          },
        },
      });
    } catch (error) {
      // A constructor that refuses the URL, a sessionId() that returns garbage: said in the close reason.
      return next(describeError(error));
    }
    this.#current = mine = { name, transport, sessionUrl, offer, ...(resuming && { session: resuming }) };
    this.#opening = true;
    this.#openTimer = startTimer(timeout, () => {
      if (id === this.#attemptId && this.#current === mine) next(`no open frame within ${timeout} ms`);
    });
  }

  /** `long`: for a resumable session, whose id is its credential (22 characters: 130 random bits). */
  #newSessionId(long: boolean): string {
    const id = this.#options.sessionId ? this.#options.sessionId() : randomString(long ? 22 : 8);
    if (typeof id !== 'string' || !PATH_SEGMENT.test(id)) {
      throw invalidOption(`sessionId() returned ${JSON.stringify(id)}`);
    }
    return id;
  }

  #onFrame(frame: Frame): void {
    this.#lastFrameAt = Date.now();
    const current = this.#current as Current;
    if (frame.type === 'open') {
      if (this.#opening && !this.#resuming) return this.#connected();
      // Where a session was to be taken up again, or mid-session: the server has lost ours.
      return this.#resuming ? this.#resumeFailed(1006, 'Server lost session') : this.#lost(1006, 'Server lost session');
    }
    if (frame.type === 'ack') {
      if (this.#opening && this.#resuming) return this.#connected(frame.count);
      return current.session?.confirm(frame.count);
    }
    // Before `o`, only a close frame of a session being taken up again means something (`c[2011,…]`).
    if (frame.type !== 'close' ? this.#opening : this.#opening && !this.#resuming) return;
    if (this.#state !== State.OPEN) return;
    if (frame.type === 'heartbeat') return this.emit({ type: 'heartbeat' });
    if (frame.type === 'messages') {
      if (current.session?.receivedFrame(frame.messages)) current.transport.ack();
      for (const data of frame.messages) {
        if (this.#state !== State.OPEN) return; // a listener closed it: the rest is not delivered
        this.emit({ type: 'message', data });
      }
      return;
    }
    // A close frame: the session is over, resumable or not.
    this.#endResumable();
    this.#dropTransport();
    if (frame.code === 2011 || isTransientClose(frame.code)) this.#lost(frame.code, frame.reason);
    else this.#finish(frame.code, frame.reason, true);
  }

  /**
   * A transport is open: on a new session (`o`), or on the session taken up again (`r<confirmed>`:
   * the server has `confirmed` of our messages; the rest goes again).
   */
  #connected(confirmed?: number): void {
    const current = this.#current as Current;
    const reconnected = this.#everOpened;
    const attempt = this.#attempts;
    cancelTimer(this.#openTimer);
    this.#opening = this.#resuming = false;
    this.#everOpened = true;
    this.#attempts = 0;
    this.#state = State.OPEN;
    rememberTransport(this.#base, current.name);
    if (current.offer) current.session = this.#resume = new ResumableSession(current.sessionUrl, current.offer);
    const session = current.session;
    if (session) {
      session.lostAt = 0;
      session.confirm(confirmed ?? 0);
      current.encoder = session.encoder();
      for (const message of session.unconfirmed) current.transport.send(message);
    }
    for (const message of this.#queue.drain()) this.#sendNow(current, message);
    this.#armLiveness();
    const transport = current.name;
    this.emit({ type: 'transport', transport });
    if (reconnected) this.emit({ type: 'reconnected', attempt, transport, resumed: confirmed !== undefined });
    else this.emit({ type: 'open', transport });
  }

  #sendNow(current: Current, message: string): void {
    current.session?.sent(message);
    current.transport.send(message);
  }

  /** The open connection is gone (no close frame, a transient one, or silence). */
  #lost(code: number, reason: string): void {
    this.#dropTransport();
    if (this.#resume && this.#state === State.OPEN) return this.#resumeLater(code, reason);
    this.#state = State.CONNECTING;
    this.#failed(code, reason);
  }

  /**
   * Schedules taking the session up again: at once the first time, then with backoff, within the
   * server's window from the loss. `reconnecting` tells; readyState stays OPEN.
   */
  #resumeLater(code: number, reason: string): void {
    const session = this.#resume as ResumableSession;
    this.#resuming = true;
    if (session.lostAt === 0) session.lostAt = Date.now();
    const left = session.lostAt + session.offer.window - Date.now();
    if (left <= 0) return this.#resumeFailed(code, `${reason}; not resumed within ${session.offer.window} ms`);
    const attempt = ++this.#attempts;
    this.#retryIn(attempt === 1 ? 0 : Math.min(left, backoffDelay(this.#options, attempt - 1)), code, reason);
  }

  /** Tries the transports again on the session's own URL. */
  #reattach(): void {
    if (this.#state !== State.OPEN || !this.#resuming) return;
    this.#tryTransports(++this.#attemptId, this.#info as ServerInfo);
  }

  /** The session cannot be taken up again: a new one, as after any loss (or the end, without `reconnect`). */
  #resumeFailed(code: number, reason: string): void {
    this.#endResumable();
    this.#attempts = 0;
    this.#state = State.CONNECTING;
    this.#failed(code, reason);
  }

  /** The resumable session is over: what it had not confirmed goes to the head of the queue (the next session's, or `unsent`). */
  #endResumable(): void {
    if (this.#resume) this.#queue.requeue(this.#resume.takeUnconfirmed());
    this.#resume = null;
    this.#resuming = false;
  }

  /** An attempt failed, or the connection was lost: try again if allowed, else close. */
  #failed(code: number, reason: string): void {
    cancelTimer(this.#openTimer);
    this.#dropTransport();
    if (!this.#options.reconnect || this.#attempts >= this.#options.maxReconnectAttempts) {
      return this.#finish(code, reason, false);
    }
    this.#retryIn(backoffDelay(this.#options, ++this.#attempts), code, reason);
  }

  /** Schedules the next attempt (the `attempts`th), and tells. */
  #retryIn(delay: number, code: number, reason: string): void {
    this.#retryTimer = startTimer(delay, () => this.#retryNow());
    this.emit({ type: 'reconnecting', attempt: this.#attempts, delay, code, reason });
  }

  /** Starts the scheduled attempt now (its delay over, or the browser back `online`). */
  #retryNow(): void {
    if (this.#retryTimer === undefined) return;
    cancelTimer(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#resuming) this.#reattach();
    else this.#attempt();
  }

  #armLiveness(): void {
    const timeout = this.#options.livenessTimeout;
    if (timeout === 0) return;
    const check = (): void => {
      if (this.#state !== State.OPEN || this.#resuming) return;
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
    this.#opening = false;
    // A resumable session keeps everything sent until confirmed: nothing to take back here.
    const unsent = current.transport.takeUnsent();
    if (!current.session) this.#queue.requeue(unsent);
    current.transport.close(code, reason);
  }

  #finish(code: number, reason: string, wasClean: boolean): void {
    if (this.#state === State.CLOSED) return;
    this.#attemptId++;
    cancelTimer(this.#openTimer);
    cancelTimer(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#dropTransport();
    // Sent, so not `unsent`: whether a resumable session's server had them is not known here.
    this.#resume = null;
    this.#resuming = false;
    this.#state = State.CLOSED;
    platform().removeEventListener?.('online', this.#onOnline);
    this.emit({ type: 'close', code, reason, wasClean, unsent: this.#queue.drain() });
  }
}
