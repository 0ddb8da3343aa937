import { StringDecoder } from 'node:string_decoder';
import {
  encodeFrame,
  escapeHeader,
  headerValue,
  negotiateHeartBeat,
  negotiateVersion,
  parseHeartBeat,
  ReadyState,
  SockJsError,
  StompDecoder,
  type CloseInfo,
  type StompDecoded,
  type StompFrame,
  type StompHeader,
  type StompVersion,
} from '../../../protocol';
import type { Principal, SockJsSession } from '../../handler';
import type { Settlement, StompCredentials } from '../broker/broker';
import type { AckMode, OutboundMessage } from '../message';
import type { InboundContext, StompSession } from '../types';
import { HeartBeats } from './heart-beats';
import type { ConnectionHost } from './host';
import { OutboundBuffer, type WriteHooks } from './outbound-buffer';
import { errorFrame, receiptFrame } from './server-frames';
import { Subscription, type SubscriptionOwner, type Unacked } from './subscription';
import { Transactions } from './transactions';
import { PendingAcks } from './pending-acks';

type State = 'awaiting-connect' | 'connected' | 'disconnecting' | 'closed';

/** The SockJS close after an ERROR frame: the STOMP spec has the server close the connection. */
export const STOMP_ERROR_CLOSE: CloseInfo = { code: 1002, reason: 'STOMP protocol error' };

/** An auto-ack topic delivery needs no settling: one hooks object for all of them (none made per delivery). */
const TOPIC_HOOKS: WriteHooks = Object.freeze({ droppable: true });

const ACK_MODES: readonly AckMode[] = ['auto', 'client', 'client-individual'];

const NO_CREDENTIALS: StompCredentials = Object.freeze({ login: undefined, passcode: undefined });

function required(frame: StompFrame, name: string): string {
  const value = headerValue(frame, name);
  if (value === undefined || value === '') {
    throw new SockJsError('ERR_STOMP_MISSING_HEADER', `${frame.command} needs a "${name}" header`);
  }
  return value;
}

/**
 * One STOMP session over one endpoint session: decodes its messages into frames, handles them in
 * order (awaiting application handlers, so that a DISCONNECT's receipt follows everything before
 * it), and writes MESSAGE, RECEIPT and ERROR frames through an ordered, bounded outbound buffer.
 * Any protocol error ends it: an ERROR frame (with `receipt-id` when the frame asked), then close.
 */
export class StompConnection implements StompSession, SubscriptionOwner {
  readonly id: string;
  user: Principal | undefined;
  version: StompVersion | undefined;
  private state: State = 'awaiting-connect';
  private readonly decoder: StompDecoder;
  private readonly outbound: OutboundBuffer;
  private readonly subscriptions = new Map<string, Subscription>();
  /** Client-ack deliveries by the key their ACK names. */
  private readonly pending = new PendingAcks();
  private readonly transactions: Transactions;
  /** Frames being handled asynchronously now: the client's beats wait behind them, so they count as heard. */
  private busy = 0;
  /** The user name the user registry has this session under (the user may not change after CONNECTED). */
  private registered = false;
  private heartBeats: HeartBeats | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private connectSeen = false;
  private ackSequence = 0;
  private slowClose = false;
  /** Whether some interceptor looks at outbound frames (then MESSAGE frames are built one by one). */
  private readonly outboundIntercepted: boolean;
  /** Whether some interceptor looks at inbound frames (then every frame is handled asynchronously). */
  private readonly inboundIntercepted: boolean;
  /** Binary websocket messages are UTF-8 text cut anywhere: a streaming decoder keeps split characters. */
  private binaryText: StringDecoder | undefined;
  /**
   * The CONNECT's `login`/`passcode`, for a broker relay that connects as the client (kept for its
   * reconnects). A `#` field: not enumerable, so a logger serializing the session never prints it.
   */
  #credentials: StompCredentials = NO_CREDENTIALS;

  constructor(
    readonly transportSession: SockJsSession,
    private readonly host: ConnectionHost,
  ) {
    const { options } = host;
    this.id = host.nextSessionId();
    this.user = transportSession.principal;
    this.decoder = new StompDecoder({
      maxFrameBytes: options.maxFrameBytes,
      maxHeaders: options.maxHeaders,
      maxHeaderBytes: options.maxHeaderBytes,
    });
    this.outbound = new OutboundBuffer(
      transportSession,
      options,
      () => this.tooSlow(),
      () => host.counters.slowSubscriberDrops++,
    );
    this.transactions = new Transactions(options);
    this.outboundIntercepted = options.interceptors.some((interceptor) => interceptor.outbound);
    this.inboundIntercepted = options.interceptors.some((interceptor) => interceptor.inbound);
    this.connectTimer = setTimeout(() => this.connectTimedOut(), options.connectTimeout).unref();
  }

  get attributes(): Map<string, unknown> {
    return this.transportSession.attributes;
  }
  get sessionId(): string {
    return this.id;
  }
  get blocked(): boolean {
    return this.outbound.blocked;
  }
  get open(): boolean {
    return this.state === 'connected' && this.transportSession.readyState === ReadyState.OPEN;
  }
  get credentials(): StompCredentials {
    return this.#credentials;
  }
  get maxUnacked(): number {
    return this.host.options.maxUnackedPerSubscription;
  }

  /** A text message from the client: any number of frames, or part of one. */
  receive(text: string): Promise<void> | undefined {
    this.heartBeats?.heard();
    if (this.state === 'closed' || this.state === 'disconnecting') return undefined;
    let items: StompDecoded[];
    try {
      items = this.decoder.push(text);
    } catch (error) {
      this.fail(error, undefined);
      return undefined;
    }
    return this.process(items, 0);
  }

  receiveBinary(data: Buffer): Promise<void> | undefined {
    this.binaryText ??= new StringDecoder('utf8');
    return this.receive(this.binaryText.write(data));
  }

  /** The session's send queue emptied: frames waiting here go on; queues may hand consumers more. */
  drained(): void {
    this.outbound.drained();
    if (!this.outbound.blocked) this.resumeQueues();
  }

  /** The endpoint session closed (by either side): let everything go, once. */
  closed(info: CloseInfo): void {
    this.finish(info);
  }

  // ---- SubscriptionOwner ----

  writeMessage(
    subscription: Subscription,
    message: OutboundMessage,
    unacked: Unacked | undefined,
    settle: ((outcome: Settlement) => void) | undefined,
  ): void {
    const version = this.version ?? '1.2';
    const ackId = unacked && version === '1.2' ? unacked.key : undefined;
    if (unacked) this.pending.add(unacked);
    const hooks = unacked === undefined && settle === undefined ? TOPIC_HOOKS : this.deliveryHooks(unacked, settle);
    try {
      if (!this.outboundIntercepted) {
        this.outbound.writeMessage(message, version, subscription.subscriptionId, ackId, hooks);
      } else {
        const text = this.interceptedMessage(subscription, message, ackId);
        if (text === undefined) {
          this.settleUnsent(unacked, settle, 'ack');
          return;
        }
        this.outbound.write(text, hooks);
      }
      this.host.counters.messagesOut++;
    } catch (error) {
      // Nothing a subscriber's session cannot write may fail the publisher or the other subscribers:
      // this session's version cannot carry the destination (a newline in 1.0), or an outbound
      // interceptor made a frame that cannot be written. A queue message goes to another consumer.
      this.host.logger.warn({ err: error, session: this.id, version }, 'STOMP message not writable to this session');
      this.settleUnsent(unacked, settle, 'nack');
    }
  }

  /** A queue or client-ack delivery: settled when written (auto) and given back when dropped unsent. */
  private deliveryHooks(unacked: Unacked | undefined, settle: ((outcome: Settlement) => void) | undefined): WriteHooks {
    return {
      droppable: true,
      sent: settle && (() => settle('ack')),
      dropped: () => {
        if (unacked) this.forgetUnacked(unacked);
        else settle?.('nack');
      },
    };
  }

  /**
   * A delivery that will not be written: `ack` when an interceptor dropped it on purpose (nothing
   * should send it elsewhere), `nack` when this session could not write it (another consumer may).
   */
  private settleUnsent(
    unacked: Unacked | undefined,
    settle: ((outcome: Settlement) => void) | undefined,
    outcome: Settlement,
  ): void {
    if (!unacked) {
      settle?.(outcome);
      return;
    }
    this.pending.remove(unacked);
    unacked.subscription.settleOnly(unacked.key, outcome);
  }

  overLimit(subscription: Subscription): void {
    if (this.host.options.slowSubscriberPolicy === 'drop-oldest') {
      this.host.counters.slowSubscriberDrops++;
      return;
    }
    this.fail(
      new SockJsError(
        'ERR_STOMP_SLOW_CONSUMER',
        `subscription ${subscription.subscriptionId} holds ${this.maxUnacked} unacknowledged messages (maxUnackedPerSubscription)`,
      ),
      undefined,
    );
  }

  ackKey(subscription: Subscription, message: OutboundMessage): string {
    if (this.version === '1.2') return `${this.id}-${++this.ackSequence}`;
    return this.version === '1.1' ? `${subscription.subscriptionId}\n${message.messageId}` : message.messageId;
  }

  // ---- frames in ----

  private process(items: readonly StompDecoded[], from: number): Promise<void> | undefined {
    for (let i = from; i < items.length; i++) {
      if (this.state === 'closed' || this.state === 'disconnecting') return undefined;
      const item = items[i] as StompDecoded;
      if (item.type !== 'frame') continue;
      const pending = this.handle(item.frame);
      if (pending) return pending.then(() => this.process(items, i + 1));
    }
    return undefined;
  }

  /** One frame, errors turned into the ERROR frame that ends the session. */
  private handle(frame: StompFrame): Promise<void> | undefined {
    this.host.counters.framesIn++;
    if (this.state === 'awaiting-connect' && (frame.command === 'CONNECT' || frame.command === 'STOMP')) {
      this.connectArrived(frame);
    }
    const receipt =
      frame.command === 'CONNECT' || frame.command === 'STOMP' ? undefined : headerValue(frame, 'receipt');
    const failed = (error: unknown): void => this.fail(error, receipt);
    try {
      if (!this.inboundIntercepted) {
        const result = this.dispatch(frame);
        if (!result) {
          this.receipted(receipt, frame.command);
          return undefined;
        }
        return this.tracked(result.then(() => this.receipted(receipt, frame.command)).catch(failed));
      }
      const handled = this.intercepted(frame).then(async (kept) => {
        if (kept) await this.dispatch(kept);
        // A frame an interceptor dropped still gets its receipt (DISCONNECT included: it did not happen).
        this.receipted(receipt, kept?.command);
      });
      return this.tracked(handled.catch(failed));
    } catch (error) {
      failed(error);
      return undefined;
    }
  }

  /** While an asynchronous frame is handled, the client's later messages (and beats) wait behind it. */
  private tracked(handling: Promise<void>): Promise<void> {
    this.busy++;
    return handling.finally(() => this.busy--);
  }

  /** The RECEIPT of a handled frame; DISCONNECT writes its own, after the frames before it. */
  private receipted(receipt: string | undefined, dispatched: StompFrame['command'] | undefined): void {
    if (receipt === undefined || dispatched === 'DISCONNECT' || this.state === 'closed') return;
    this.writeControl(receiptFrame(receipt));
  }

  private async intercepted(frame: StompFrame): Promise<StompFrame | null> {
    let current: StompFrame = frame;
    const context: InboundContext = {
      session: this,
      setUser: (user) => {
        // Only while the CONNECT is being decided: the user registry files the session under its user at CONNECTED.
        if ((current.command !== 'CONNECT' && current.command !== 'STOMP') || this.state !== 'awaiting-connect') {
          throw new SockJsError('ERR_STOMP_REFUSED', 'the user can only be set on CONNECT');
        }
        this.user = typeof user === 'string' ? { name: user } : user;
      },
    };
    for (const interceptor of this.host.options.interceptors) {
      if (!interceptor.inbound) continue;
      let result: StompFrame | null | undefined;
      try {
        result = await interceptor.inbound(current, context);
      } catch (error) {
        throw refusal(error);
      }
      if (result === null) return null;
      if (result !== undefined) current = result;
    }
    return current;
  }

  private dispatch(frame: StompFrame): void | Promise<void> {
    if (this.state === 'awaiting-connect') {
      if (frame.command !== 'CONNECT' && frame.command !== 'STOMP') {
        throw new SockJsError('ERR_STOMP_NOT_CONNECTED', `got ${frame.command}`);
      }
      return this.connect(frame);
    }
    const transaction = headerValue(frame, 'transaction');
    switch (frame.command) {
      case 'CONNECT':
      case 'STOMP':
        throw new SockJsError('ERR_STOMP_ALREADY_CONNECTED', `a second ${frame.command}`);
      case 'SEND':
      case 'ACK':
      case 'NACK':
        if (transaction !== undefined) return this.enlist(transaction, frame);
        return frame.command === 'SEND' ? this.send(frame) : this.acknowledge(frame);
      case 'SUBSCRIBE':
        return this.subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.unsubscribe(frame);
      case 'BEGIN':
        return this.transactions.begin(required(frame, 'transaction'));
      case 'COMMIT':
        return this.commit(required(frame, 'transaction'));
      case 'ABORT':
        this.transactions.take(required(frame, 'transaction'));
        return undefined;
      case 'DISCONNECT':
        return this.disconnect(frame);
      default:
        throw new SockJsError('ERR_STOMP_UNKNOWN_COMMAND', `${frame.command} is a server frame`);
    }
  }

  /** The `connect` event, once, before interceptors decide (a refused CONNECT is seen, and its `disconnect` follows). */
  private connectArrived(frame: StompFrame): void {
    if (this.connectSeen) return;
    this.connectSeen = true;
    this.host.counters.connects++;
    // The passcode stays out of what every listener (and its logs) sees.
    const { passcode: _passcode, ...headers } = firstValues(frame.headers);
    this.host.events.emit('connect', { session: this, headers });
  }

  private connect(frame: StompFrame): void {
    const { options, events, counters } = this.host;
    const version = negotiateVersion(headerValue(frame, 'accept-version'), options.versions);
    if (version === undefined) {
      throw new SockJsError(
        'ERR_STOMP_NO_VERSION',
        `the client accepts ${headerValue(frame, 'accept-version') ?? '1.0'}, the server speaks ${options.versions.join(',')}`,
      );
    }
    const [canSend, wantsToReceive] = options.heartBeat;
    // STOMP 1.0 has no heart-beats: a 1.0 client would take a bare EOL for garbage.
    const agreed =
      version === '1.0'
        ? { clientToServer: 0, serverToClient: 0 }
        : negotiateHeartBeat(parseHeartBeat(headerValue(frame, 'heart-beat')), { canSend, wantsToReceive });
    this.version = version;
    this.decoder.version = version;
    this.#credentials = { login: headerValue(frame, 'login'), passcode: headerValue(frame, 'passcode') };
    const headers: StompHeader[] = [['version', version]];
    if (version !== '1.0') headers.push(['heart-beat', `${canSend},${wantsToReceive}`]);
    headers.push(['server', options.serverName], ['session', this.id]);
    if (this.user) headers.push(['user-name', this.user.name]);
    // Written first: a user name CONNECTED cannot carry (a newline) fails here, before anything is counted.
    this.writeControl({ command: 'CONNECTED', headers, body: '' });
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.state = 'connected';
    counters.sessions++;
    this.registered = true;
    this.host.userRoutes?.connected(this);
    this.startHeartBeats(agreed);
    events.emit('connected', { session: this });
  }

  private startHeartBeats(agreed: { clientToServer: number; serverToClient: number }): void {
    if (agreed.clientToServer === 0 && agreed.serverToClient === 0) return;
    // Our beats keep the line alive: the endpoint's own SockJS `h` frames would be a second kind.
    if (agreed.serverToClient > 0) this.transportSession.setHeartbeat(false);
    const busy = (): boolean => this.busy > 0;
    this.heartBeats = new HeartBeats(agreed, this.host.options.heartBeatTolerance, this.outbound, busy, (silent) => {
      this.host.counters.heartBeatTimeouts++;
      this.fail(
        new SockJsError(
          'ERR_STOMP_HEARTBEAT_TIMEOUT',
          `nothing from the client for ${silent} ms (agreed ${agreed.clientToServer} ms)`,
        ),
        undefined,
      );
    });
  }

  private send(frame: StompFrame): void | Promise<void> {
    const destination = required(frame, 'destination');
    const route = this.routeOf(destination);
    if (route === 'app') return this.host.app.send(frame, this);
    const contentType = headerValue(frame, 'content-type') ?? 'text/plain;charset=UTF-8';
    const message = (resolved: string): OutboundMessage =>
      this.host.outboundMessage(resolved, frame.body, contentType, frame);
    if (route === 'user') {
      this.host.userRoutes?.send(destination, message);
      return undefined;
    }
    // The RECEIPT (and the client's next frames) wait for a broker that decides later; its refusal is the ERROR.
    const broker = this.host.broker;
    const outcome = broker.publishConfirmed
      ? broker.publishConfirmed(message(destination))
      : broker.publish(message(destination));
    return typeof outcome === 'number' ? undefined : outcome.then(() => undefined);
  }

  /** Which side serves `destination`: the application, the user destinations or the broker. */
  private routeOf(destination: string): 'app' | 'user' | 'broker' {
    const { app, userRoutes, broker } = this.host;
    if (app.handles(destination)) return 'app';
    if (userRoutes?.handles(destination)) return 'user';
    if (broker.handles(destination)) return 'broker';
    throw new SockJsError('ERR_STOMP_DESTINATION', `${destination} is not an application, user or broker destination`);
  }

  private subscribe(frame: StompFrame): void | Promise<void> {
    const destination = required(frame, 'destination');
    // STOMP 1.0 made `id` optional: the destination names the subscription then.
    const id = this.version === '1.0' ? (headerValue(frame, 'id') ?? destination) : required(frame, 'id');
    const ack = (headerValue(frame, 'ack') ?? 'auto') as AckMode;
    if (!ACK_MODES.includes(ack))
      throw new SockJsError('ERR_STOMP_SUBSCRIPTION', `ack "${ack}" is not auto, client or client-individual`);
    if (this.subscriptions.has(id))
      throw new SockJsError('ERR_STOMP_SUBSCRIPTION', `subscription id "${id}" is in use`);
    const { maxSubscriptionsPerSession } = this.host.options;
    if (this.subscriptions.size >= maxSubscriptionsPerSession) {
      throw new SockJsError(
        'ERR_STOMP_LIMIT',
        `more than ${maxSubscriptionsPerSession} subscriptions (maxSubscriptionsPerSession)`,
      );
    }
    const { app, userRoutes: users, broker } = this.host;
    const kind = this.routeOf(destination);
    checkWritable(id, this.version);
    const subscription = new Subscription(this, id, destination, ack, kind);
    const listening =
      kind === 'broker' ? broker.subscribe(subscription) : kind === 'user' ? users?.subscribe(subscription) : undefined;
    this.subscriptions.set(id, subscription);
    this.host.counters.subscriptions++;
    this.host.events.emit('subscribe', { session: this, subscriptionId: id, destination });
    // The RECEIPT waits until the broker has the subscription everywhere (the cluster bus: Redis has the channel).
    return kind === 'app' ? app.subscribe(frame, this, subscription) : listening;
  }

  private unsubscribe(frame: StompFrame): void {
    const id = this.version === '1.0' ? headerValue(frame, 'id') : required(frame, 'id');
    // STOMP 1.0 may name the subscription by its destination alone, whatever id it was given.
    const subscription =
      id === undefined ? this.subscribedTo(required(frame, 'destination')) : this.subscriptions.get(id);
    if (!subscription) {
      throw new SockJsError('ERR_STOMP_SUBSCRIPTION', `no subscription "${id ?? headerValue(frame, 'destination')}"`);
    }
    this.drop(subscription);
    const { subscriptionId, destination } = subscription;
    this.host.events.emit('unsubscribe', { session: this, subscriptionId, destination });
  }

  private subscribedTo(destination: string): Subscription | undefined {
    for (const subscription of this.subscriptions.values())
      if (subscription.destination === destination) return subscription;
    return undefined;
  }

  private acknowledge(frame: StompFrame): void {
    const key = this.ackKeyOf(frame);
    const unacked = this.pending.find(key);
    if (!unacked) {
      throw new SockJsError('ERR_STOMP_ACK', `no unacknowledged message ${JSON.stringify(key.replace('\n', ' '))}`);
    }
    const { subscription } = unacked;
    const wasReady = subscription.ready;
    for (const settled of subscription.settle(key, frame.command === 'ACK' ? 'ack' : 'nack'))
      this.pending.remove(settled);
    if (!wasReady && subscription.ready && subscription.kind === 'broker') this.host.broker.resume(subscription);
  }

  /** What an ACK or NACK names, per version (checked when it is enlisted in a transaction too). */
  private ackKeyOf(frame: StompFrame): string {
    if (frame.command === 'NACK' && this.version === '1.0') {
      throw new SockJsError('ERR_STOMP_UNKNOWN_COMMAND', 'NACK is not part of STOMP 1.0');
    }
    if (this.version === '1.2') return required(frame, 'id');
    if (this.version === '1.1') return `${required(frame, 'subscription')}\n${required(frame, 'message-id')}`;
    return required(frame, 'message-id');
  }

  /** Checked now, not at COMMIT: a bad frame must not leave its transaction half applied. */
  private enlist(transaction: string, frame: StompFrame): void {
    if (frame.command === 'SEND') this.routeOf(required(frame, 'destination'));
    else this.ackKeyOf(frame);
    this.transactions.enlist(transaction, frame);
  }

  /** The transaction's frames take effect now, in order, as if sent outside it. */
  private async commit(transaction: string): Promise<void> {
    for (const frame of this.transactions.take(transaction)) {
      if (this.state !== 'connected') return;
      await (frame.command === 'SEND' ? this.send(frame) : this.acknowledge(frame));
    }
  }

  /** Open transactions are aborted; the receipt follows every frame already written; then the close. */
  private disconnect(frame: StompFrame): void {
    this.transactions.abortAll();
    this.state = 'disconnecting';
    const receipt = headerValue(frame, 'receipt');
    if (receipt !== undefined) this.writeControl(receiptFrame(receipt));
    this.outbound.whenEmpty(() => this.transportSession.close(1000, 'DISCONNECT'));
  }

  // ---- frames out ----

  private writeControl(frame: StompFrame): void {
    const kept = this.interceptOutbound(frame);
    if (kept) this.outbound.write(encodeFrame(kept, this.version ?? '1.0'));
  }

  private interceptedMessage(
    subscription: Subscription,
    message: OutboundMessage,
    ackId: string | undefined,
  ): string | undefined {
    const headers: StompHeader[] = [['subscription', subscription.subscriptionId]];
    if (ackId !== undefined) headers.push(['ack', ackId]);
    headers.push(
      ['destination', message.destination],
      ['message-id', message.messageId],
      ['content-type', message.contentType],
    );
    headers.push(...message.headers);
    const kept = this.interceptOutbound({ command: 'MESSAGE', headers, body: message.body });
    return kept && encodeFrame(kept, this.version ?? '1.2', { contentLength: 'always' });
  }

  private interceptOutbound(frame: StompFrame): StompFrame | undefined {
    let current = frame;
    for (const interceptor of this.host.options.interceptors) {
      if (!interceptor.outbound) continue;
      try {
        const result = interceptor.outbound(current, this);
        if (result === null) return undefined;
        if (result !== undefined) current = result;
      } catch (error) {
        this.host.logger.error(
          { err: error, session: this.id, command: frame.command },
          'STOMP outbound interceptor failed',
        );
        return undefined;
      }
    }
    return current;
  }

  // ---- ending ----

  /** The broker cannot serve this session (it refused the client's own login): ERROR, then close. */
  endSession(error: SockJsError): void {
    this.fail(error, undefined);
  }

  /** A protocol error: the ERROR frame, then the close; the server goes on serving everyone else. */
  private fail(error: unknown, receipt: string | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.heartBeats?.stop();
    const problem =
      error instanceof SockJsError ? error : new SockJsError('ERR_STOMP_HANDLER_FAILED', undefined, { cause: error });
    const level = problem.code === 'ERR_STOMP_HANDLER_FAILED' ? 'error' : 'info';
    this.host.logger[level]({ err: error, session: this.id, code: problem.code }, 'STOMP session error');
    this.host.counters.errors++;
    if (this.slowClose) this.outbound.discard();
    else this.outbound.flushAll();
    try {
      this.sendError(problem, receipt);
    } finally {
      // Whatever became of the ERROR frame, the session ends: a half-dead one would ignore its client for ever.
      this.transportSession.close(STOMP_ERROR_CLOSE.code, STOMP_ERROR_CLOSE.reason);
    }
  }

  private sendError(problem: SockJsError, receipt: string | undefined): void {
    if (this.transportSession.readyState !== ReadyState.OPEN) return;
    const extra: StompHeader[] =
      problem.code === 'ERR_STOMP_NO_VERSION' ? [['version', this.host.options.versions.join(',')]] : [];
    const plain = errorFrame(problem.message, oneLine(receipt), extra);
    // Written before the version is agreed, an ERROR is unescaped (as 1.0): every client reads that.
    const version = this.version ?? '1.0';
    let text: string;
    try {
      const frame = this.interceptOutbound(plain);
      if (frame === undefined) return;
      text = encodeFrame(frame, version);
    } catch (encodeError) {
      this.host.logger.warn({ err: encodeError, session: this.id }, 'STOMP ERROR frame not writable as intercepted');
      text = encodeFrame(plain, version);
    }
    this.transportSession.send(text);
  }

  private tooSlow(): void {
    this.slowClose = true;
    this.host.counters.slowSubscriberCloses++;
    const { maxBufferedMessages, maxBufferedBytes } = this.host.options;
    this.fail(
      new SockJsError(
        'ERR_STOMP_SLOW_CONSUMER',
        `over ${maxBufferedMessages} frames or ${maxBufferedBytes} bytes waiting for the transport`,
      ),
      undefined,
    );
  }

  private connectTimedOut(): void {
    this.connectTimer = undefined;
    if (this.state !== 'awaiting-connect') return;
    this.fail(
      new SockJsError('ERR_STOMP_CONNECT_TIMEOUT', `none within ${this.host.options.connectTimeout} ms`),
      undefined,
    );
  }

  private finished = false;

  private finish(info: CloseInfo): void {
    if (this.finished) return;
    this.finished = true;
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.heartBeats?.stop();
    this.heartBeats = undefined;
    this.transactions.abortAll();
    this.outbound.discard();
    for (const subscription of [...this.subscriptions.values()]) this.drop(subscription);
    if (this.registered) {
      this.host.counters.sessions--;
      this.host.userRoutes?.disconnected(this);
    }
    if (this.connectSeen) {
      this.host.counters.disconnects++;
      this.host.events.emit('disconnect', { session: this, code: info.code, reason: info.reason });
    }
  }

  private drop(subscription: Subscription): void {
    this.subscriptions.delete(subscription.subscriptionId);
    this.host.counters.subscriptions--;
    if (subscription.kind === 'broker') this.host.broker.unsubscribe(subscription);
    else if (subscription.kind === 'user') this.host.userRoutes?.unsubscribe(subscription);
    for (const released of subscription.release()) this.pending.remove(released);
  }

  private forgetUnacked(unacked: Unacked): void {
    this.pending.remove(unacked);
    unacked.subscription.settleOnly(unacked.key, 'nack');
  }

  private resumeQueues(): void {
    for (const subscription of this.subscriptions.values()) {
      if (subscription.kind === 'broker' && subscription.ready) this.host.broker.resume(subscription);
    }
  }
}

/** A subscription id this session's version cannot write back in MESSAGE frames is refused at SUBSCRIBE. */
function checkWritable(id: string, version: StompVersion | undefined): void {
  try {
    escapeHeader(id, 'value', 'MESSAGE', version ?? '1.2');
  } catch (error) {
    throw new SockJsError(
      'ERR_STOMP_SUBSCRIPTION',
      `id ${JSON.stringify(id)} cannot be written back in STOMP ${version ?? '1.2'}`,
      {
        cause: error,
      },
    );
  }
}

function firstValues(headers: readonly StompHeader[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of headers) if (!(name in values)) values[name] = value;
  return values;
}

function oneLine(value: string | undefined): string | undefined {
  return value?.replace(/[\r\n]/g, ' ');
}

/** An interceptor's refusal: its message goes to the client (it was written for that). */
function refusal(error: unknown): SockJsError {
  if (error instanceof SockJsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SockJsError('ERR_STOMP_REFUSED', message, { cause: error });
}
