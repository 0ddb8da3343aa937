import { headerValue, SockJsError, type StompFrame, type StompHeader } from '../../../protocol';
import type { Settlement, StompCredentials, Subscriber } from '../broker/broker';
import { OutboundMessage } from '../message';
import type { ResolvedRelayOptions } from './options';
import { RelayConnection, type RelayConnectionEvents } from './relay-connection';

/** What a session's relay reports to the relay (its counters). */
export interface SessionRelayHost {
  readonly options: ResolvedRelayOptions;
  delivered(redelivered: boolean): void;
}

/** Used when the broker's MESSAGE has no content-type: what our SEND frames default to. */
const DEFAULT_CONTENT_TYPE = 'text/plain;charset=UTF-8';

/**
 * The broker side of one client session's subscriptions: one STOMP connection to the broker (as
 * Spring's relay opens per client session), made on the first subscription and closed with the last.
 * Each subscription is relayed under the client's own subscription id (unique within the session), so
 * a MESSAGE's `subscription` names its subscriber; every SUBSCRIBE asks for a receipt, which confirms
 * it. After a reconnect every subscription is sent again. Client-ack subscriptions are relayed as
 * `client-individual`: each delivery's settle becomes the ACK or NACK of that message (our session
 * keeps `client` mode's cumulative meaning and settles each message it covers).
 */
export class SessionRelay {
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly confirmed = new Set<string>();
  /**
   * Client-ack deliveries not settled yet, by subscription id: their broker `ack` ids. RabbitMQ answers
   * an ACK or NACK after the UNSUBSCRIBE with an ERROR (`Subscription not found`): our session's NACKs
   * of what an unsubscribed subscription held are not sent.
   */
  private readonly outstanding = new Map<string, Set<string>>();
  /** SUBSCRIBE receipts awaited, by receipt id: the subscription id. */
  private readonly receipts = new Map<string, string>();
  private readonly connection: RelayConnection;
  private receiptSequence = 0;

  constructor(
    readonly sessionId: string,
    private readonly host: SessionRelayHost,
    credentials: StompCredentials,
  ) {
    const events: RelayConnectionEvents = {
      onConnected: () => this.connected(),
      onFrame: (frame) => this.frame(frame),
      onDown: () => this.down(),
    };
    // The client's own login refused: final for this session (the same login would fail for ever).
    if (host.options.sessionCredentials === 'client') events.onRefused = (reason) => this.loginRefused(reason);
    this.connection = new RelayConnection(sessionId, host.options, events, credentials);
    this.connection.start();
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Subscriptions the broker confirmed on the current connection. */
  get confirmedCount(): number {
    return this.confirmed.size;
  }

  isConfirmed(subscriptionId: string): boolean {
    return this.confirmed.has(subscriptionId);
  }

  get isConnected(): boolean {
    return this.connection.isConnected;
  }

  add(subscriber: Subscriber): void {
    this.subscribers.set(subscriber.subscriptionId, subscriber);
    this.sendSubscribe(subscriber);
  }

  /** Returns whether it was the last one (the caller then closes this relay). */
  remove(subscriber: Subscriber): boolean {
    if (this.subscribers.get(subscriber.subscriptionId) !== subscriber) return this.subscribers.size === 0;
    const id = subscriber.subscriptionId;
    this.subscribers.delete(id);
    this.confirmed.delete(id);
    // Its unacknowledged messages stay with the broker, which takes no ACK or NACK for them after the
    // UNSUBSCRIBE (nor before it, usefully: a requeued one comes straight back to it); they go back to
    // the queue when this connection closes, at the session's last subscription.
    this.outstanding.delete(id);
    if (this.subscribers.size > 0) this.connection.send({ command: 'UNSUBSCRIBE', headers: [['id', id]], body: '' });
    return this.subscribers.size === 0;
  }

  /** The broker may be back: try now rather than at the end of the backoff. */
  retryNow(): void {
    this.connection.retryNow();
  }

  close(): void {
    this.connection.close();
  }

  private sendSubscribe(subscriber: Subscriber): void {
    const receipt = `sub-${++this.receiptSequence}`;
    const clientAck = subscriber.ack !== 'auto';
    const headers: StompHeader[] = [
      ['id', subscriber.subscriptionId],
      ['destination', subscriber.destination],
      ['ack', clientAck ? 'client-individual' : 'auto'],
      ['receipt', receipt],
    ];
    // The broker stops at this many unacknowledged, rather than our session counting the flood as slow.
    if (clientAck) headers.push(['prefetch-count', String(this.host.options.prefetchCount)]);
    if (this.connection.send({ command: 'SUBSCRIBE', headers, body: '' }))
      this.receipts.set(receipt, subscriber.subscriptionId);
  }

  private connected(): void {
    for (const subscriber of this.subscribers.values()) this.sendSubscribe(subscriber);
  }

  /**
   * The broker refused the client's own credentials: its session ends with an ERROR saying so (the
   * subscribers are all of one session: one call ends it). The system connection is not touched.
   */
  private loginRefused(reason: string): void {
    this.down();
    const subscriber = this.subscribers.values().next().value;
    if (subscriber?.endSession) {
      subscriber.endSession(new SockJsError('ERR_STOMP_BROKER_REFUSED', reason));
      return;
    }
    this.host.options.logger.warn(
      { relay: this.sessionId, reason },
      'STOMP relay: the broker refused the session and its subscriber cannot be ended; its subscriptions get nothing',
    );
  }

  private down(): void {
    this.confirmed.clear();
    this.outstanding.clear();
    this.receipts.clear();
  }

  private frame(frame: StompFrame): void {
    switch (frame.command) {
      case 'MESSAGE':
        this.message(frame);
        return;
      case 'RECEIPT':
        this.receipted(headerValue(frame, 'receipt-id'));
        return;
      case 'ERROR':
        this.refused(frame);
        return;
      default:
        return;
    }
  }

  private receipted(receipt: string | undefined): void {
    const id = receipt === undefined ? undefined : this.receipts.get(receipt);
    if (id === undefined) return;
    this.receipts.delete(receipt as string);
    if (this.subscribers.has(id)) this.confirmed.add(id);
  }

  /**
   * The broker refused something (RabbitMQ then closes the connection). A refused SUBSCRIBE (say, an
   * `/exchange/` that does not exist) is not sent again on the reconnect: it would fail for ever and
   * take the session's other subscriptions down with it each time. RabbitMQ's ERROR carries no
   * `receipt-id`; it handles a connection's frames in order, so the refused one is the oldest SUBSCRIBE
   * still awaiting its receipt.
   */
  private refused(frame: StompFrame): void {
    const receipt = headerValue(frame, 'receipt-id') ?? this.receipts.keys().next().value;
    const id = receipt === undefined ? undefined : this.receipts.get(receipt);
    const message = headerValue(frame, 'message') ?? '';
    const subscriber = id === undefined ? undefined : this.subscribers.get(id);
    if (subscriber) {
      this.subscribers.delete(subscriber.subscriptionId);
      this.outstanding.delete(subscriber.subscriptionId);
    }
    this.host.options.logger.warn(
      { relay: this.sessionId, subscription: id, destination: subscriber?.destination, message, detail: frame.body },
      subscriber ? 'STOMP relay: the broker refused a subscription' : 'STOMP relay: ERROR from the broker',
    );
  }

  private message(frame: StompFrame): void {
    const id = headerValue(frame, 'subscription');
    const subscriber = id === undefined ? undefined : this.subscribers.get(id);
    if (!subscriber) return; // an UNSUBSCRIBE crossed it
    let message: OutboundMessage;
    try {
      message = new OutboundMessage(
        headerValue(frame, 'destination') ?? subscriber.destination,
        headerValue(frame, 'message-id') ?? `${this.sessionId}-${this.receiptSequence}`,
        frame.body,
        headerValue(frame, 'content-type') ?? DEFAULT_CONTENT_TYPE,
        frame.headers,
      );
    } catch (error) {
      this.host.options.logger.warn({ err: error, relay: this.sessionId }, 'STOMP relay: MESSAGE not relayable');
      return;
    }
    this.host.delivered(headerValue(frame, 'redelivered') === 'true');
    if (subscriber.ack === 'auto') subscriber.deliver(message);
    else subscriber.deliver(message, this.settler(subscriber.subscriptionId, headerValue(frame, 'ack')));
  }

  /**
   * A client-ack delivery's settle: ACK or NACK of the broker's message, once, on the connection it
   * came on — after a reconnect, or once its subscription went (NACKed then), there is nothing to tell.
   */
  private settler(subscriptionId: string, ackId: string | undefined): (outcome: Settlement) => void {
    if (ackId === undefined) return () => undefined;
    let pending = this.outstanding.get(subscriptionId);
    if (!pending) this.outstanding.set(subscriptionId, (pending = new Set()));
    pending.add(ackId);
    const held = pending;
    return (outcome) => {
      if (!held.delete(ackId) || this.outstanding.get(subscriptionId) !== held) return;
      this.sendSettle(outcome, ackId);
    };
  }

  private sendSettle(outcome: Settlement, ackId: string): void {
    this.connection.send({ command: outcome === 'ack' ? 'ACK' : 'NACK', headers: [['id', ackId]], body: '' });
  }
}
