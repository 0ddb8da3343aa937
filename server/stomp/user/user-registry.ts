import { SockJsError } from '../../../protocol';
import type { UserRoutes } from '../connection/host';
import type { Subscription } from '../connection/subscription';
import type { OutboundMessage } from '../message';
import { prefixOf } from '../prefixes';
import type { StompSession } from '../types';

/**
 * User destinations (Spring's `UserDestinationMessageHandler` with its `SimpUserRegistry`): a
 * session of user U subscribed to `/user/queue/x` gets what is sent to `/user/U/queue/x`, on every
 * session of U and nobody else's. Subscriptions are kept per session and destination, so a send
 * finds its subscribers by two map lookups; the MESSAGE carries `/user/queue/x`, as subscribed.
 */
export class UserRegistry implements UserRoutes {
  private readonly sessionsByUser = new Map<string, Set<StompSession>>();
  /** Session id → destination without the prefix (`/queue/x`) → its subscriptions there. */
  private readonly subscriptionsBySession = new Map<string, Map<string, Set<Subscription>>>();

  constructor(private readonly prefix: string) {}

  handles(destination: string): boolean {
    return prefixOf(destination, [this.prefix]) !== undefined;
  }

  /** `/user/{name}/queue/x`: the name is one segment, URL-decoded (`%2F` for a `/` in it, as Spring). */
  send(destination: string, message: (destination: string) => OutboundMessage): number {
    const rest = destination.slice(this.prefix.length + 1);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) {
      throw new SockJsError('ERR_STOMP_DESTINATION', `${destination} is not ${this.prefix}/{user}/{destination}`);
    }
    return this.sendToUser(decodeUser(rest.slice(0, slash), destination), rest.slice(slash), message);
  }

  /** To `destination` (`/queue/x`) on every session of `user`; returns how many sessions had a subscription. */
  sendToUser(user: string, destination: string, message: (destination: string) => OutboundMessage): number {
    const sessions = this.sessionsByUser.get(user);
    if (!sessions) return 0;
    let reached = 0;
    let made: OutboundMessage | undefined;
    for (const session of [...sessions]) {
      const subscriptions = this.subscriptionsBySession.get(session.id)?.get(destination);
      if (!subscriptions) continue;
      made ??= message(this.prefix + destination);
      for (const subscription of [...subscriptions]) subscription.deliver(made);
      reached++;
    }
    return reached;
  }

  /** To `destination` on one session only (`@SendToUser(broadcast = false)`, or a session without a user). */
  sendToSession(sessionId: string, destination: string, message: (destination: string) => OutboundMessage): number {
    const subscriptions = this.subscriptionsBySession.get(sessionId)?.get(destination);
    if (!subscriptions) return 0;
    const made = message(this.prefix + destination);
    for (const subscription of [...subscriptions]) subscription.deliver(made);
    return 1;
  }

  /** A registry across nodes returns when the subscription takes effect there (see ClusterUserRegistry). */
  subscribe(subscription: Subscription): void | Promise<void> {
    const destination = subscription.destination.slice(this.prefix.length);
    if (destination.length < 2 || /[*]/.test(destination)) {
      throw new SockJsError(
        'ERR_STOMP_DESTINATION',
        `${subscription.destination}: a user destination names one destination, no pattern`,
      );
    }
    let byDestination = this.subscriptionsBySession.get(subscription.sessionId);
    if (!byDestination) this.subscriptionsBySession.set(subscription.sessionId, (byDestination = new Map()));
    let set = byDestination.get(destination);
    if (!set) byDestination.set(destination, (set = new Set()));
    set.add(subscription);
  }

  unsubscribe(subscription: Subscription): void {
    const byDestination = this.subscriptionsBySession.get(subscription.sessionId);
    const destination = subscription.destination.slice(this.prefix.length);
    const set = byDestination?.get(destination);
    if (!byDestination || !set) return;
    set.delete(subscription);
    if (set.size === 0) byDestination.delete(destination);
    if (byDestination.size === 0) this.subscriptionsBySession.delete(subscription.sessionId);
  }

  connected(session: StompSession): void {
    const user = session.user?.name;
    if (user === undefined) return;
    let sessions = this.sessionsByUser.get(user);
    if (!sessions) this.sessionsByUser.set(user, (sessions = new Set()));
    sessions.add(session);
  }

  disconnected(session: StompSession): void {
    this.subscriptionsBySession.delete(session.id);
    const user = session.user?.name;
    const sessions = user === undefined ? undefined : this.sessionsByUser.get(user);
    if (!sessions || user === undefined) return;
    sessions.delete(session);
    if (sessions.size === 0) this.sessionsByUser.delete(user);
  }

  /** Users with a connected STOMP session now. */
  users(): string[] {
    return [...this.sessionsByUser.keys()];
  }

  sessionsOf(user: string): StompSession[] {
    return [...(this.sessionsByUser.get(user) ?? [])];
  }
}

function decodeUser(encoded: string, destination: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch (error) {
    throw new SockJsError('ERR_STOMP_DESTINATION', `${destination}: the user name is not URL-encoded`, {
      cause: error,
    });
  }
}
