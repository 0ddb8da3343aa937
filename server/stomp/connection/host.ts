import type { StompFrame } from '../../../protocol';
import type { Logger } from '../../handler';
import type { MessageBroker } from '../broker/broker';
import type { StompEventBus } from '../events';
import type { OutboundMessage } from '../message';
import type { ResolvedStompOptions } from '../options';
import type { StompCounters } from '../stats';
import type { StompMessage, StompSession } from '../types';
import type { Subscription } from './subscription';

/** What a STOMP connection needs from its server: the broker, the routes, the counters. */
export interface ConnectionHost {
  readonly options: ResolvedStompOptions;
  readonly broker: MessageBroker;
  readonly logger: Logger;
  readonly counters: StompCounters;
  readonly events: StompEventBus;
  readonly app: AppRoutes;
  readonly userRoutes: UserRoutes | undefined;
  /** A message id unique in this server's lifetime (and, with a random part, across nodes). */
  nextMessageId(): string;
  /** A STOMP session id unique across endpoints. */
  nextSessionId(): string;
  /** A published message for a destination (broker or user), written once for every subscriber. */
  outboundMessage(destination: string, body: string, contentType: string, frame?: StompFrame): OutboundMessage;
}

/** The `/app` side: `messageMapping` and `subscribeMapping` handlers. */
export interface AppRoutes {
  /** Whether `destination` is under an application prefix. */
  handles(destination: string): boolean;
  /** Runs the SEND's mapping and sends its reply; rejects (or throws) with a SockJsError for an ERROR frame. */
  send(frame: StompFrame, session: StompSession): void | Promise<void>;
  /** Runs the SUBSCRIBE's subscribe mapping; its reply goes to `subscription` alone. */
  subscribe(frame: StompFrame, session: StompSession, subscription: Subscription): void | Promise<void>;
}

/** The `/user` side: user destinations resolved to the sessions of a user. */
export interface UserRoutes {
  /** Whether `destination` is under the user prefix. */
  handles(destination: string): boolean;
  /** A SEND to `/user/{name}/...`: every session of that user subscribed to `/user/...`; returns how many. */
  send(destination: string, message: (destination: string) => OutboundMessage): number;
  /** A subscription to `/user/...` of this session's user (or of the session alone, without a user). */
  subscribe(subscription: Subscription): void;
  unsubscribe(subscription: Subscription): void;
  /** The session's user is known (CONNECTED): it joins that user's sessions. */
  connected(session: StompSession): void;
  disconnected(session: StompSession): void;
}

export type { StompMessage };
