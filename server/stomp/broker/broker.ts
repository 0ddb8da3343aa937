import type { SockJsError } from '../../../protocol';
import type { AckMode, OutboundMessage } from '../message';

/** What a client acknowledgement did with a delivered message. */
export type Settlement = 'ack' | 'nack';

/**
 * One SUBSCRIBE of one session, as the broker sees it: the STOMP connection implements it. The
 * broker hands it messages; the connection writes the MESSAGE frame, keeps what awaits an ACK, and
 * tells the broker how each queue delivery was settled.
 */
export interface Subscriber {
  /** The STOMP session (our id, unique across endpoints), for stats and logs. */
  readonly sessionId: string;
  /** The subscription's `id` header, unique within its session. */
  readonly subscriptionId: string;
  /** The destination as the client subscribed to it: a name or a pattern (`/topic/price.*`, `/topic/**`). */
  readonly destination: string;
  readonly ack: AckMode;
  /**
   * Whether it takes another queue message now: false while its unacknowledged messages are at the
   * limit or its session's outbound buffer is full. Topics deliver regardless (the connection then
   * applies its slow-subscriber policy); queues pass it over for a consumer that is ready, and keep
   * the message if none is.
   */
  readonly ready: boolean;
  /**
   * Delivers one message. `settle`, given for queue messages only, is to be called exactly once when
   * the message is settled: `ack` (auto mode: at once; client modes: on the client's ACK) or `nack`
   * (the client's NACK, or the subscription or session ended before an ACK, or the message was dropped
   * unread): a nacked message goes to another consumer.
   */
  deliver(message: OutboundMessage, settle?: (outcome: Settlement) => void): void;
  /**
   * The `login` and `passcode` of the session's CONNECT (as its inbound interceptors left it), for a
   * broker that connects on the client's behalf (the relay's `sessionCredentials: 'client'`).
   */
  readonly credentials?: StompCredentials;
  /**
   * The broker cannot serve this session at all (it refused the session's own login): the session
   * ends with an ERROR frame carrying the error's message.
   */
  endSession?(error: SockJsError): void;
}

/** A STOMP CONNECT's credentials; a header the client left out is undefined. */
export interface StompCredentials {
  readonly login: string | undefined;
  readonly passcode: string | undefined;
}

export interface BrokerStats {
  /** Live subscriptions, by kind. */
  readonly topicSubscriptions: number;
  readonly queueSubscriptions: number;
  /** Messages published to the broker. */
  readonly published: number;
  /** Deliveries handed to subscribers (a topic message to 3 subscribers counts 3). */
  readonly delivered: number;
  /** Queue messages that went to another consumer after a NACK, an unsubscribe or a disconnect. */
  readonly redelivered: number;
  /** Queue messages waiting for a ready consumer now. */
  readonly queued: number;
  /** Queue messages dropped by a queue limit (the in-memory broker's `maxQueuedMessages`, `maxQueues`, byte bounds). */
  readonly queueOverflows: number;
}

/**
 * The message broker behind the broker destination prefixes: the in-memory one is the default;
 * issue 13's cluster bus and STOMP relay implement the same interface.
 */
export interface MessageBroker {
  /** Whether `destination` is a broker destination (starts with one of the broker prefixes). */
  handles(destination: string): boolean;
  /**
   * Registers a subscriber. Throws `SockJsError` (ERR_STOMP_DESTINATION) for a destination the
   * broker does not serve or a pattern it cannot parse, ERR_STOMP_LIMIT for a new queue past the
   * broker's bound; the message is meant for an ERROR frame. A broker whose subscriptions take
   * effect later (the cluster bus: once Redis has the channel) returns a promise of that moment,
   * which the SUBSCRIBE's RECEIPT waits for.
   */
  subscribe(subscriber: Subscriber): void | Promise<void>;
  /** Removes a subscriber; what it held unsettled is for the connection to nack first. */
  unsubscribe(subscriber: Subscriber): void;
  /**
   * Publishes a message to its destination (not a pattern): every matching topic subscriber gets it,
   * or one consumer of a queue. Returns how many subscribers it was handed to now (0 for a queue
   * message kept until a consumer is ready). A queue message dropped by a limit is counted in
   * `stats().queueOverflows`; called from outside a delivery, publish then throws `SockJsError`
   * (ERR_STOMP_LIMIT) for the sender's ERROR frame; called from inside one (the sender is not at hand),
   * it returns 0 and the broker reports the drop itself (the in-memory broker's `onDrop`).
   */
  publish(message: OutboundMessage): number;
  /**
   * Optional: as `publish`, for a sender who waits for the outcome (a client's SEND: its RECEIPT, or
   * its ERROR). A broker that decides later (the cluster bus's queues: once Redis has taken the
   * message) returns a promise that rejects with why it did not (ERR_STOMP_LIMIT,
   * ERR_STOMP_BROKER_UNAVAILABLE). Brokers without it decide within `publish`.
   */
  publishConfirmed?(message: OutboundMessage): number | Promise<number>;
  /** `subscriber` became ready again (an ACK, its buffer drained): its queues may hand it more. */
  resume(subscriber: Subscriber): void;
  stats(): BrokerStats;
}
