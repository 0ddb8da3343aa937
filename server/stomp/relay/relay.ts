import { SockJsError, type StompFrame } from '../../../protocol';
import type { BrokerStats, MessageBroker, StompCredentials, Subscriber } from '../broker/broker';
import type { OutboundMessage } from '../message';
import { prefixOf } from '../prefixes';
import { resolveRelayOptions, type ResolvedRelayOptions, type StompBrokerRelayOptions } from './options';
import { RelayConnection } from './relay-connection';
import { SessionRelay, type SessionRelayHost } from './session-relay';

export type RelayEventName = 'available' | 'unavailable';

/** The relay's own figures, beside the `MessageBroker` stats. */
export interface RelayStats {
  /** Client sessions with a broker connection (made or being made). */
  readonly sessions: number;
  /** Of those, connected now. */
  readonly connectedSessions: number;
  /** Subscriptions the broker confirmed (by receipt) on the current connections. */
  readonly confirmedSubscriptions: number;
  /** Publishes refused because the broker was away. */
  readonly refusedPublishes: number;
  /** Heart-beats the system connection wrote and read (its own timer, not application traffic). */
  readonly systemHeartBeats: { readonly sent: number; readonly received: number };
}

/**
 * Spring's `StompBrokerRelayMessageHandler`: a `MessageBroker` that relays broker destinations to an
 * external STOMP broker (RabbitMQ's `rabbitmq_stomp`) over TCP. Plug it in as
 * `createStompServer({ broker: relay })`: `/app` handlers and `/user` resolution still run in this node.
 */
export interface StompBrokerRelay extends MessageBroker {
  /** Whether the system connection (which carries every publish) is connected now. */
  readonly available: boolean;
  /** `available` when the system connection gets CONNECTED, `unavailable` when it is lost; returns the remover. */
  on(name: RelayEventName, listener: () => void): () => void;
  relayStats(): RelayStats;
  /** Whether the broker confirmed (by receipt) this subscription of this session on its current connection. */
  confirmed(sessionId: string, subscriptionId: string): boolean;
  /** Every broker connection ends (DISCONNECT), no more reconnects. */
  close(): void;
}

/** RabbitMQ's point-to-point destinations (everything else counts as a topic in the stats). */
const QUEUE_PREFIXES = ['/queue', '/amq/queue'];

class BrokerRelay implements StompBrokerRelay {
  private readonly options: ResolvedRelayOptions;
  private readonly system: RelayConnection;
  private readonly sessions = new Map<string, SessionRelay>();
  /** Subscribers registered and not yet unsubscribed (what the stats count). */
  private readonly live = new Set<Subscriber>();
  private readonly listeners: Record<RelayEventName, Set<() => void>> = {
    available: new Set(),
    unavailable: new Set(),
  };
  private isAvailable = false;
  private closed = false;
  private topicSubscriptions = 0;
  private queueSubscriptions = 0;
  private published = 0;
  private delivered = 0;
  private redelivered = 0;
  private refusedPublishes = 0;

  private readonly sessionHost: SessionRelayHost;

  constructor(options: StompBrokerRelayOptions) {
    this.options = resolveRelayOptions(options);
    this.sessionHost = {
      options: this.options,
      delivered: (redelivered) => {
        this.delivered++;
        if (redelivered) this.redelivered++;
      },
    };
    this.system = new RelayConnection(
      'system',
      this.options,
      {
        onConnected: () => this.becameAvailable(),
        onFrame: (frame) => this.systemFrame(frame),
        onDown: () => this.becameUnavailable(),
      },
      { login: this.options.login, passcode: this.options.passcode },
    );
    this.system.start();
  }

  get available(): boolean {
    return this.isAvailable;
  }

  handles(destination: string): boolean {
    return prefixOf(destination, this.options.destinationPrefixes) !== undefined;
  }

  subscribe(subscriber: Subscriber): void {
    if (!this.handles(subscriber.destination)) {
      throw new SockJsError('ERR_STOMP_DESTINATION', `${subscriber.destination} is not relayed to the broker`);
    }
    if (this.closed) throw new SockJsError('ERR_STOMP_BROKER_UNAVAILABLE', 'the broker relay is closed');
    let session = this.sessions.get(subscriber.sessionId);
    if (!session) {
      session = new SessionRelay(subscriber.sessionId, this.sessionHost, this.credentialsOf(subscriber));
      this.sessions.set(subscriber.sessionId, session);
    }
    session.add(subscriber);
    this.live.add(subscriber);
    if (this.isQueue(subscriber.destination)) this.queueSubscriptions++;
    else this.topicSubscriptions++;
  }

  /**
   * The login of a session's broker connection: the configured one, or the client's own CONNECT
   * credentials, which must fit on a CONNECT header line (they are written unescaped, as STOMP has it).
   */
  private credentialsOf(subscriber: Subscriber): StompCredentials {
    const { sessionCredentials, clientLogin, clientPasscode } = this.options;
    if (sessionCredentials === 'configured') return { login: clientLogin, passcode: clientPasscode };
    const { login, passcode } = subscriber.credentials ?? { login: undefined, passcode: undefined };
    if ([login, passcode].some((value) => value !== undefined && /[\r\n\0]/.test(value))) {
      throw new SockJsError('ERR_STOMP_BROKER_REFUSED', 'login and passcode must be one line each');
    }
    return { login, passcode };
  }

  unsubscribe(subscriber: Subscriber): void {
    // Counted until the session lets it go, even one the broker refused (it is no longer relayed).
    if (this.live.delete(subscriber)) {
      if (this.isQueue(subscriber.destination)) this.queueSubscriptions--;
      else this.topicSubscriptions--;
    }
    const session = this.sessions.get(subscriber.sessionId);
    if (!session) return;
    if (!session.remove(subscriber)) return;
    session.close();
    this.sessions.delete(subscriber.sessionId);
  }

  /**
   * One SEND on the system connection. The broker does the fan-out, so how many subscribers it
   * reaches is not known here: 0. While the broker is away it throws ERR_STOMP_BROKER_UNAVAILABLE
   * (the client's SEND gets an ERROR frame; `convertAndSend` throws it); past `maxPendingPublishBytes`
   * waiting for a slow broker, ERR_STOMP_LIMIT.
   */
  publish(message: OutboundMessage): number {
    const frame: StompFrame = {
      command: 'SEND',
      headers: [['destination', message.destination], ['content-type', message.contentType], ...message.headers],
      body: message.body,
    };
    if (this.system.pendingBytes > this.options.maxPendingPublishBytes) {
      throw new SockJsError(
        'ERR_STOMP_LIMIT',
        `${message.destination}: over ${this.options.maxPendingPublishBytes} bytes waiting for the broker (maxPendingPublishBytes)`,
      );
    }
    if (!this.system.send(frame)) {
      this.refusedPublishes++;
      throw new SockJsError('ERR_STOMP_BROKER_UNAVAILABLE', `${message.destination} not sent (broker relay down)`);
    }
    this.published++;
    return 0;
  }

  /** The broker applies its own flow control (prefetch); nothing to hand out here. */
  resume(_subscriber: Subscriber): void {}

  stats(): BrokerStats {
    return {
      topicSubscriptions: this.topicSubscriptions,
      queueSubscriptions: this.queueSubscriptions,
      published: this.published,
      delivered: this.delivered,
      redelivered: this.redelivered,
      queued: 0,
      queueOverflows: 0,
    };
  }

  relayStats(): RelayStats {
    let connectedSessions = 0;
    let confirmedSubscriptions = 0;
    for (const session of this.sessions.values()) {
      if (session.isConnected) connectedSessions++;
      confirmedSubscriptions += session.confirmedCount;
    }
    return {
      sessions: this.sessions.size,
      connectedSessions,
      confirmedSubscriptions,
      refusedPublishes: this.refusedPublishes,
      systemHeartBeats: { ...this.system.beats },
    };
  }

  confirmed(sessionId: string, subscriptionId: string): boolean {
    return this.sessions.get(sessionId)?.isConfirmed(subscriptionId) ?? false;
  }

  on(name: RelayEventName, listener: () => void): () => void {
    this.listeners[name].add(listener);
    return () => this.listeners[name].delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.system.close();
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    this.live.clear();
    this.topicSubscriptions = 0;
    this.queueSubscriptions = 0;
    if (this.isAvailable) {
      this.isAvailable = false;
      this.emit('unavailable');
    }
  }

  private isQueue(destination: string): boolean {
    return prefixOf(destination, QUEUE_PREFIXES) !== undefined;
  }

  private becameAvailable(): void {
    this.isAvailable = true;
    this.options.logger.info({ brokers: this.options.brokers }, 'STOMP broker relay available');
    this.emit('available');
    // The broker is back: session connections in a backoff need not wait it out.
    for (const session of this.sessions.values()) session.retryNow();
  }

  private becameUnavailable(): void {
    if (!this.isAvailable) return;
    this.isAvailable = false;
    this.options.logger.warn({ brokers: this.options.brokers }, 'STOMP broker relay unavailable');
    this.emit('unavailable');
  }

  /** The system connection gets no MESSAGEs; an ERROR (a SEND the broker refused) is logged, and the broker closes it. */
  private systemFrame(frame: StompFrame): void {
    if (frame.command !== 'ERROR') return;
    const message = frame.headers.find(([name]) => name === 'message')?.[1];
    this.options.logger.warn({ relay: 'system', message, detail: frame.body }, 'STOMP relay: ERROR from the broker');
  }

  private emit(name: RelayEventName): void {
    for (const listener of [...this.listeners[name]]) {
      try {
        listener();
      } catch (error) {
        this.options.logger.error({ err: error, event: name }, 'STOMP broker relay listener failed');
      }
    }
  }
}

/** A broker relay to an external STOMP broker; it starts connecting at once. */
export function createStompBrokerRelay(options: StompBrokerRelayOptions = {}): StompBrokerRelay {
  return new BrokerRelay(options);
}
