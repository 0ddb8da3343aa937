/**
 * What an endpoint and a cluster bus say to each other. No Redis here: the endpoint (main entry)
 * imports only these types, so it loads without the optional `redis` peer; the Redis bus itself
 * lives in `sockjs-ts-server/cluster`.
 */
import type { ClusterSession } from './registry';

/** What an endpoint offers the bus: delivery to its own sessions, each message encoded once. */
export interface ClusterMember {
  /** The endpoint's prefix ('' at the root): it names the endpoint's channels. */
  readonly prefix: string;
  /** Sends to every open local session; returns how many. */
  deliverBroadcast(message: string): number;
  /** Sends to one local session; false when it is not open here. */
  deliverTo(sessionId: string, message: string): boolean;
  /** Sends to every open local session of `user`; returns how many. */
  deliverToUser(user: string, message: string): number;
}

/** One endpoint's membership of a bus, as the endpoint uses it. */
export interface ClusterLink {
  /** Publishes to the other nodes (the caller has already delivered locally). */
  broadcast(message: string): void;
  /** Publishes to the other nodes' sessions of `user` (the caller has already delivered locally). */
  sendToUser(user: string, message: string): void;
  /** Finds the node holding `sessionId` and publishes to it; true when a node was found and the message published. */
  sendTo(sessionId: string, message: string): Promise<boolean>;
  /**
   * The local store gained a session (registered for `sendTo` from other nodes, and under its
   * user; the first local session of a user makes the node listen to that user's channel).
   */
  sessionAdded(sessionId: string, user: string | undefined): void;
  /** The local store lost a session (a user's last one here: the node leaves the user's channel). */
  sessionRemoved(sessionId: string, user: string | undefined): void;
  /**
   * The endpoint starts closing: the node's entries for it leave the registry at once and
   * together (its sessions, its users, the node itself), so other nodes stop finding them while
   * the sessions are still being closed; later session changes are not written. Resolves once
   * the registry has them gone (at once when Redis is away).
   */
  withdraw(): Promise<void>;
  /** The endpoint has closed: its channels are left (and its registry entries withdrawn, if not yet). */
  leave(): Promise<void>;
}

/** A cluster bus (see `createRedisBus` in `sockjs-ts-server/cluster`), given to endpoints as `cluster`. */
export interface ClusterBus {
  /** This node's id on the bus (unique per process). */
  readonly nodeId: string;
  /** Called by `createEndpoint`; throws `ERR_INVALID_OPTION` when an endpoint with that prefix already joined. */
  join(member: ClusterMember): ClusterLink;
}

/**
 * A module's users across the cluster (the STOMP server's): which user has which sessions on which
 * node, in Redis entries that expire unless their node refreshes them, as the endpoints' registry.
 */
export interface ClusterPresence {
  /** A session of `user` is here now. */
  added(sessionId: string, user: string): void;
  /** It is gone. */
  removed(sessionId: string, user: string): void;
  /** The users with a session on any live node, sorted. Rejects while Redis is away. */
  users(): Promise<string[]>;
  /** The sessions of `user` on every live node. Rejects while Redis is away. */
  sessionsOf(user: string): Promise<ClusterSession[]>;
  /** Every entry of this node goes at once, in one transaction (the module is closing). */
  leave(): Promise<void>;
}

/** The bounds a queue store applies to a new message (the in-memory broker's options of the same names). */
export interface ClusterQueueBounds {
  /** Messages one queue may hold. */
  readonly maxQueuedMessages: number;
  /** Bytes one queue may hold. */
  readonly maxQueuedBytes: number;
  /** Bytes all the queues may hold together. */
  readonly maxBrokerQueuedBytes: number;
  /** Queues holding messages at once. */
  readonly maxQueues: number;
}

/**
 * Point-to-point queues kept in Redis, shared by every node: what one node takes, no other gets.
 * Each method rejects while Redis is away.
 */
export interface ClusterQueueStore {
  /**
   * Appends `message` to the tail of `queue` unless a bound refuses it: resolves undefined when
   * stored, else the name of the bound that refused it (`maxQueuedMessages`, …).
   */
  push(queue: string, message: string, bounds: ClusterQueueBounds): Promise<string | undefined>;
  /** Puts messages back at the head of `queue`, in the order given, past every bound (they were accepted once). */
  putBack(queue: string, messages: readonly string[]): Promise<void>;
  /** Takes up to `count` messages from the head of `queue`, oldest first. */
  take(queue: string, count: number): Promise<string[]>;
}

/**
 * Channels of the bus's own, for other modules (the STOMP server's topics and user destinations):
 * a message is published once and handed to every other node listening to its channel; the
 * publishing node never gets its own back. Names starting with `sockjs:` are the endpoints' and
 * refused (ERR_INVALID_OPTION).
 */
export interface ClusterChannels {
  /** This node's id on the bus. */
  readonly nodeId: string;
  /** Whether Redis is there now (publishes made while it is not are dropped and counted). */
  readonly connected: boolean;
  /**
   * Listens to `channel` until `unsubscribe`; throws ERR_INVALID_OPTION when it already has a
   * handler here. Resolves once Redis has the subscription (a message published after that reaches
   * this node); never rejects (a subscription Redis refused is logged, and retried on reconnect).
   */
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  /** Stops listening to `channel` (nothing when not listening). */
  unsubscribe(channel: string): void;
  /** Publishes to the other nodes listening to `channel` (in order per channel; counted as dropped while Redis is away). */
  publishTo(channel: string, message: string): void;
  /** The channels this node listens to now. */
  channels(): string[];
  /** Calls `listener` each time Redis is back after an outage (after the bus has resubscribed). */
  onReconnect(listener: () => void): void;
  /** The queues of `namespace` (keys `{namespace}:queue:{name}`, …), shared by every node. */
  queueStore(namespace: string): ClusterQueueStore;
  /** The users of `namespace` across the cluster (keys `{namespace}:users:{node}`, …); one per namespace. */
  presence(namespace: string): ClusterPresence;
}
