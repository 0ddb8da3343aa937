import type { ClusterSession } from '../../cluster/registry';
import type { ClusterChannels, ClusterPresence } from '../../cluster/types';
import type { Logger } from '../../handler';
import { OutboundMessage } from '../message';
import type { Subscription } from '../connection/subscription';
import type { StompSession } from '../types';
import { UserRegistry } from '../user/user-registry';
import { decodeWireMessage, encodeWireMessage, STOMP_NAMESPACE, stompChannels } from './wire';

/**
 * User destinations across the nodes of a cluster bus: a message to a user goes to that user's
 * sessions here, and once onto the user's channel, which a node listens to while it holds a
 * connected STOMP session of that user. What comes from another node is delivered here only.
 * `users()` and `sessionsOf()` stay this node's; `clusterUsers()` and `clusterSessionsOf()` read
 * the cluster's registry (Spring's MultiServerUserRegistry), where each node keeps its users.
 */
export class ClusterUserRegistry extends UserRegistry {
  /**
   * Per user with a connected session here (its channel is listened to while there is one): resolves
   * once Redis has this node's subscription to the user's channel.
   */
  private readonly listening = new Map<string, Promise<void>>();
  /** The user of each connected session here that has one. */
  private readonly userOfSession = new Map<string, string>();
  private readonly presence: ClusterPresence;

  constructor(
    private readonly userPrefix: string,
    private readonly bus: ClusterChannels,
    private readonly nextMessageId: () => string,
    private readonly logger: Logger,
  ) {
    super(userPrefix);
    this.presence = bus.presence(STOMP_NAMESPACE);
  }

  /** The users with a connected STOMP session on any live node, sorted. Rejects while Redis is away. */
  clusterUsers(): Promise<string[]> {
    return this.presence.users();
  }

  /** The connected STOMP sessions of `user` on every live node. Rejects while Redis is away. */
  clusterSessionsOf(user: string): Promise<ClusterSession[]> {
    return this.presence.sessionsOf(user);
  }

  /** Returns how many sessions of this node had a subscription (the other nodes' are not counted). */
  override sendToUser(user: string, destination: string, message: (destination: string) => OutboundMessage): number {
    const made = message(this.userPrefix + destination);
    try {
      return super.sendToUser(user, destination, () => made);
    } finally {
      this.bus.publishTo(stompChannels.user(user), encodeWireMessage(destination, made));
    }
  }

  /** The SUBSCRIBE's RECEIPT waits until Redis has the user's channel (subscribed at CONNECTED). */
  override subscribe(subscription: Subscription): void | Promise<void> {
    void super.subscribe(subscription); // the local registry takes it at once
    const user = this.userOfSession.get(subscription.sessionId);
    return user === undefined ? undefined : this.listening.get(user);
  }

  override connected(session: StompSession): void {
    super.connected(session);
    const user = session.user?.name;
    if (user === undefined) return;
    this.userOfSession.set(session.id, user);
    this.presence.added(session.id, user);
    if (!this.listening.has(user)) {
      this.listening.set(
        user,
        this.bus.subscribe(stompChannels.user(user), (raw) => this.received(user, raw)),
      );
    }
  }

  override disconnected(session: StompSession): void {
    super.disconnected(session);
    const user = this.userOfSession.get(session.id);
    if (user === undefined) return;
    this.userOfSession.delete(session.id);
    this.presence.removed(session.id, user);
    // The user's last session here gone (the local registry counts them): the channel is left.
    if (this.sessionsOf(user).length > 0) return;
    this.listening.delete(user);
    this.bus.unsubscribe(stompChannels.user(user));
  }

  private received(user: string, raw: string): void {
    const wire = decodeWireMessage(raw);
    if (!wire) {
      this.logger.warn({ user }, 'STOMP cluster: not a STOMP user message, ignored');
      return;
    }
    const { destination, body, contentType, headers } = wire;
    try {
      super.sendToUser(user, destination, (resolved) => {
        return new OutboundMessage(resolved, this.nextMessageId(), body, contentType, headers);
      });
    } catch (error) {
      this.logger.warn({ err: error, user, destination }, 'STOMP cluster: a user message from another node failed');
    }
  }
}
