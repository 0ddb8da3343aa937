import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import {
  encodeFrame,
  encodeHeartBeat,
  headerValue,
  negotiateHeartBeat,
  parseHeartBeat,
  StompDecoder,
  type StompFrame,
  type StompHeader,
  type StompHeartBeatAgreement,
} from '../../../protocol';
import type { StompCredentials } from '../broker/broker';
import type { BrokerAddress, ResolvedRelayOptions } from './options';

/** What a relay connection tells its owner. */
export interface RelayConnectionEvents {
  /** CONNECTED arrived: frames may go now (a reconnect too: the owner replays its subscriptions). */
  onConnected(): void;
  /** A frame from the broker other than CONNECTED. */
  onFrame(frame: StompFrame): void;
  /** The connection was lost (or never got to CONNECTED); another attempt follows unless closed. */
  onDown(reason: string): void;
  /**
   * Given: a CONNECT the broker refuses (an ERROR before CONNECTED: bad credentials) is final — the
   * connection closes, no attempt follows, and this is called with the broker's reason. Not given:
   * refusals are retried with the backoff like any failed attempt.
   */
  onRefused?(reason: string): void;
}

/**
 * Frames from a broker: larger than a client's (64 KiB by default), since the broker adds its own
 * headers to what our clients sent, and relayed messages may come from other producers.
 */
const DECODER_LIMITS = { maxFrameBytes: 1024 * 1024, maxHeaders: 256, maxHeaderBytes: 16 * 1024 };

/** Agreed broker intervals of silence before the connection is taken for dead (the spec's slack). */
const HEART_BEAT_TOLERANCE = 3;

/** How long a closed connection's DISCONNECT may take to leave before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/**
 * One STOMP 1.2 connection to the external broker, kept up for ever: on every loss it tries again
 * after a doubling delay (with jitter, so a thousand session connections do not all come back at
 * once), each attempt to the next broker of the list. Heart-beats are its own: a timer writes an EOL
 * when nothing was written for the agreed interval and drops a connection the broker has been silent
 * on, whatever the application traffic is (spring-framework #22822).
 */
export class RelayConnection {
  private socket: Socket | undefined;
  private decoder: StompDecoder | undefined;
  private connected = false;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private lastWrite = 0;
  private lastRead = 0;
  /** Heart-beats written and read on this connection's lifetime (every reconnect included). */
  readonly beats = { sent: 0, received: 0 };

  constructor(
    /** For logs: `system` or the session id. */
    readonly name: string,
    private readonly options: ResolvedRelayOptions,
    private readonly events: RelayConnectionEvents,
    /** CONNECT's `login` and `passcode` (a header left out when undefined). */
    private readonly credentials: StompCredentials,
  ) {}

  get isConnected(): boolean {
    return this.connected;
  }

  /** Bytes written and not yet taken by the kernel (the broker is slow, or the network). */
  get pendingBytes(): number {
    return this.socket?.writableLength ?? 0;
  }

  start(): void {
    this.open();
  }

  /** Writes a frame if CONNECTED; false (nothing written) otherwise. */
  send(frame: StompFrame): boolean {
    if (!this.connected || !this.socket) return false;
    this.write(encodeFrame(frame, '1.2', { contentLength: 'always' }));
    return true;
  }

  /** Waiting out a backoff: the next attempt goes now (the broker is known to be back). */
  retryNow(): void {
    if (this.closed || this.socket !== undefined || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.open();
  }

  /** A DISCONNECT if connected, then the socket ends (destroyed if the broker does not close it soon); no more attempts. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (this.connected) this.send({ command: 'DISCONNECT', headers: [], body: '' });
    this.socket = undefined;
    this.drop();
    if (!socket) return;
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private open(): void {
    if (this.closed) return;
    const broker = this.options.brokers[this.attempt % this.options.brokers.length] as BrokerAddress;
    const socket = connect({ host: broker.host, port: broker.port });
    this.socket = socket;
    const text = new StringDecoder('utf8');
    this.decoder = new StompDecoder(DECODER_LIMITS);
    socket.setNoDelay(true);
    socket.on('connect', () => this.sendConnect(broker));
    socket.on('data', (data: Buffer) => this.receive(socket, text.write(data)));
    socket.on('error', () => undefined); // 'close' follows, with the reason logged there.
    socket.on('close', () => {
      if (this.socket === socket) this.lost(`connection to ${broker.host}:${broker.port} closed`);
    });
    this.connectTimer = setTimeout(() => {
      if (this.socket === socket) this.lost(`no CONNECTED from ${broker.host}:${broker.port} in time`);
    }, this.options.connectTimeout).unref();
  }

  private sendConnect(broker: BrokerAddress): void {
    const { virtualHost, heartBeat } = this.options;
    const { login, passcode } = this.credentials;
    const headers: StompHeader[] = [
      ['accept-version', '1.2'],
      ['host', virtualHost],
    ];
    if (login !== undefined) headers.push(['login', login]);
    if (passcode !== undefined) headers.push(['passcode', passcode]);
    headers.push(['heart-beat', `${heartBeat[0]},${heartBeat[1]}`]);
    const frame: StompFrame = { command: 'CONNECT', headers, body: '' };
    this.options.logger.debug({ relay: this.name, broker }, 'STOMP relay connecting');
    this.write(encodeFrame(frame, '1.2'));
  }

  private receive(socket: Socket, text: string): void {
    if (this.socket !== socket || this.decoder === undefined) return;
    this.lastRead = Date.now();
    let items;
    try {
      items = this.decoder.push(text);
    } catch (error) {
      this.options.logger.warn({ err: error, relay: this.name }, 'STOMP relay: bad frame from the broker');
      this.lost('bad frame from the broker');
      return;
    }
    for (const item of items) {
      if (this.socket !== socket) return;
      if (item.type === 'frame') this.frame(item.frame);
      else this.beats.received++;
    }
  }

  private frame(frame: StompFrame): void {
    if (frame.command === 'CONNECTED' && !this.connected) {
      this.connectedWith(frame);
      return;
    }
    if (frame.command === 'ERROR' && !this.connected) {
      this.connectRefused(frame);
      return;
    }
    this.events.onFrame(frame);
  }

  private connectRefused(frame: StompFrame): void {
    const message = headerValue(frame, 'message') ?? frame.body;
    const reason = refusalReason(frame);
    // Only a refusal of the login is final; anything else (a vhost away while the broker restarts,
    // a connection limit) is retried as a lost connection.
    if (!this.events.onRefused || !isLoginRefusal(frame)) {
      this.options.logger.error(
        { relay: this.name, message, detail: frame.body },
        'STOMP relay: the broker refused CONNECT',
      );
      this.lost(`CONNECT refused: ${message}`);
      return;
    }
    // Final: the same credentials would be refused again on every attempt.
    this.options.logger.warn(
      { relay: this.name, message, detail: frame.body },
      'STOMP relay: the broker refused CONNECT',
    );
    this.close();
    this.events.onRefused(reason);
  }

  private connectedWith(frame: StompFrame): void {
    clearTimeout(this.connectTimer);
    this.connected = true;
    this.attempt = 0;
    let theirs;
    try {
      theirs = parseHeartBeat(headerValue(frame, 'heart-beat'));
    } catch {
      theirs = { canSend: 0, wantsToReceive: 0 };
    }
    const [canSend, wantsToReceive] = this.options.heartBeat;
    this.startBeats(negotiateHeartBeat({ canSend, wantsToReceive }, theirs));
    this.events.onConnected();
  }

  /** One timer per connection, at the shorter agreed interval, checking both directions. */
  private startBeats(agreed: StompHeartBeatAgreement): void {
    const { clientToServer: send, serverToClient: receive } = agreed;
    const periods = [send, receive].filter((ms) => ms > 0);
    if (periods.length === 0) return;
    this.lastRead = Date.now();
    this.beatTimer = setInterval(
      () => {
        const now = Date.now();
        if (receive > 0 && now - this.lastRead > receive * HEART_BEAT_TOLERANCE) {
          this.options.logger.warn({ relay: this.name, silentMs: now - this.lastRead }, 'STOMP relay: broker silent');
          this.lost('the broker missed its heart-beats');
          return;
        }
        if (send > 0 && now - this.lastWrite >= send) {
          this.beats.sent++;
          this.write(encodeHeartBeat());
        }
      },
      // Often enough to beat within the interval (the check lands up to one period late).
      Math.max(50, Math.floor(Math.min(...periods) / 2)),
    ).unref();
  }

  private write(text: string): void {
    this.lastWrite = Date.now();
    this.socket?.write(text);
  }

  /** Lost or failed: tell the owner once per connection, and try again later. */
  private lost(reason: string): void {
    const wasUp = this.connected;
    this.drop();
    if (this.closed) return;
    if (wasUp) this.options.logger.warn({ relay: this.name, reason }, 'STOMP relay connection lost');
    else this.options.logger.debug({ relay: this.name, reason }, 'STOMP relay connection attempt failed');
    this.events.onDown(reason);
    const { initial, max } = this.options.reconnect;
    const backoff = Math.min(max, initial * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const delay = Math.round(backoff * (0.75 + Math.random() * 0.5));
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined;
        this.open();
      },
      Math.min(delay, max),
    ).unref();
  }

  private drop(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.beatTimer);
    this.beatTimer = undefined;
    this.connected = false;
    const socket = this.socket;
    this.socket = undefined;
    this.decoder = undefined;
    socket?.destroy();
  }
}

/** Longest broker reason passed on (to a client's ERROR frame). */
const MAX_REASON = 200;

/** The broker's `message` and the first line of its body (RabbitMQ: `Bad CONNECT`, `Access refused for user 'x'`), one line. */
/**
 * Whether a broker's ERROR before CONNECTED refuses the credentials themselves (RabbitMQ: `Bad CONNECT`,
 * `Access refused for user 'x'`; others: "login", "passcode", "authentication", "unauthorized").
 */
export function isLoginRefusal(frame: StompFrame): boolean {
  const text = `${headerValue(frame, 'message') ?? ''}\n${frame.body}`;
  return /access refused|access denied|bad connect|login|passcode|credential|authenticat|unauthori[sz]ed|not authorized/i.test(
    text,
  );
}

function refusalReason(frame: StompFrame): string {
  const message = headerValue(frame, 'message') ?? '';
  const detail = frame.body.split('\n', 1)[0] ?? '';
  const reason = [message, detail].filter((part) => part.trim() !== '').join(': ');
  return (reason || 'CONNECT refused').replace(/\s+/g, ' ').trim().slice(0, MAX_REASON);
}
