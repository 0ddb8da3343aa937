import type { StompFrame, StompVersion } from '../../protocol';
import type { Principal, SockJsSession } from '../handler';

/** One STOMP session: a SockJS (or plain websocket) session that has sent CONNECT. */
export interface StompSession {
  /** Our id for it, unique across endpoints; the CONNECTED frame's `session` header. */
  readonly id: string;
  /** The endpoint session carrying it. */
  readonly transportSession: SockJsSession;
  /** The user: from the handshake (`principal`), or set by a CONNECT interceptor. */
  readonly user: Principal | undefined;
  /** The agreed STOMP version (undefined before CONNECTED). */
  readonly version: StompVersion | undefined;
  /** The endpoint session's attributes (what handshake interceptors put there), shared. */
  readonly attributes: Map<string, unknown>;
}

/** A SEND (or a SUBSCRIBE, for subscribe mappings) as an application handler sees it. */
export interface StompMessage<Payload = unknown> {
  /** The destination as the client wrote it, prefix included (`/app/room.42`). */
  readonly destination: string;
  /** The destination without the application prefix (`/room.42`): what mappings match. */
  readonly path: string;
  /** `{name}` variables of the mapping that matched. */
  readonly variables: Readonly<Record<string, string>>;
  /** Every header of the frame, first value per name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed by content type: JSON for `application/json` (and `+json`), else the text. */
  readonly payload: Payload;
  readonly session: StompSession;
}

/** Where a mapping's return value goes. */
export interface MappingOptions {
  /**
   * A broker destination for the return value, with the mapping's `{variables}` filled in. Default:
   * the first topic prefix + the path (`/app/room.42` → `/topic/room.42`), as Spring's default `@SendTo`.
   */
  sendTo?: string;
  /**
   * Send the return value to the sender's user instead (`@SendToUser`): this destination under
   * `/user`, on every session of the user — only the sending session when `broadcast` is false, or
   * when the session has no user.
   */
  sendToUser?: string;
  /** With `sendToUser`: every session of the user (default true) or only the sender's. */
  broadcast?: boolean;
}

/**
 * An application handler (`@MessageMapping`): its return value (awaited) is the reply payload —
 * `undefined` sends nothing, a string goes as `text/plain`, anything else as JSON.
 */
export type MessageHandler<Payload = unknown> = (message: StompMessage<Payload>) => unknown;

/**
 * Turns a handler's error into a reply (`@MessageExceptionHandler`): the return value goes to the
 * sender's user as `@SendToUser('/queue/errors')` does by default; `undefined` sends nothing. Throwing
 * makes it an ERROR frame after all.
 */
export type MessageExceptionHandler = (error: unknown, message: StompMessage) => unknown;

/** What an inbound channel interceptor may do with a client frame. */
export interface InboundContext {
  readonly session: StompSession;
  /** On CONNECT only: decide the session's user (Spring's `accessor.setUser`). */
  setUser(user: Principal | string): void;
}

/**
 * Spring's `ChannelInterceptor`. `inbound` sees every client frame once decoded, CONNECT included,
 * before it is handled; `outbound` every frame the server writes to a session. Return the frame (or a
 * rewritten one), `null` to drop it silently (an inbound frame's receipt is still sent), or
 * `undefined` to keep it. Throw to refuse: an inbound refusal is an ERROR frame with the error's
 * message (and `receipt-id`), then the session closes. Thenables are awaited (inbound only).
 */
export interface ChannelInterceptor {
  inbound?(
    frame: StompFrame,
    context: InboundContext,
  ): StompFrame | null | undefined | Promise<StompFrame | null | undefined>;
  outbound?(frame: StompFrame, session: StompSession): StompFrame | null | undefined;
}

/** Session events, each exactly once per STOMP session (disconnect once for every connect). */
export interface StompEvents {
  /** A CONNECT arrived (before interceptors decide). */
  connect: { session: StompSession; headers: Readonly<Record<string, string>> };
  /** CONNECTED was sent. */
  connected: { session: StompSession };
  subscribe: { session: StompSession; subscriptionId: string; destination: string };
  unsubscribe: { session: StompSession; subscriptionId: string; destination: string };
  /** The session ended: `code`/`reason` of the endpoint session's close (1000 after a DISCONNECT). */
  disconnect: { session: StompSession; code: number; reason: string };
}

export type StompEventName = keyof StompEvents;
export type StompEventListener<Name extends StompEventName> = (event: StompEvents[Name]) => unknown;

/** Counters since the STOMP server was created, plus what is live now. */
export interface StompStats {
  /** STOMP sessions open now (CONNECTED sent, not yet ended). */
  readonly sessions: number;
  readonly connects: number;
  readonly disconnects: number;
  /** Subscriptions live now (broker, user and subscribe-mapping ones). */
  readonly subscriptions: number;
  /** Client frames handled, by kind. */
  readonly framesIn: number;
  /** MESSAGE frames written to sessions. */
  readonly messagesOut: number;
  /** ERROR frames sent (each ends its session). */
  readonly errors: number;
  /** Messages a slow subscriber's buffer dropped (`drop-oldest`). */
  readonly slowSubscriberDrops: number;
  /** Sessions closed because their buffer overflowed (`close`). */
  readonly slowSubscriberCloses: number;
  /** Sessions closed for missed heart-beats. */
  readonly heartBeatTimeouts: number;
}
