import type { ClusterSession, LocalHoldings, RedisRegistry } from './registry';
import type { ClusterPresence } from './types';
import { Channels } from './wire';

/**
 * A module's users in the cluster registry (`{namespace}:users:{node}`, `{namespace}:nodes`),
 * kept as an endpoint's are: written as sessions come and go, rewritten whole with fresh expiries
 * on every refresh and when Redis is back. No per-session keys: a module's sessions are not
 * addressed across nodes, only its users are listed.
 */
export class PresenceLink implements ClusterPresence, LocalHoldings {
  readonly channels: Channels;
  readonly sessionIds: ReadonlySet<string> = new Set<string>();
  readonly sessionsByUser = new Map<string, Set<string>>();
  /** Left: nothing is written for it any more. */
  private left = false;

  constructor(
    namespace: string,
    private readonly registry: RedisRegistry,
    private readonly forget: () => void,
  ) {
    this.channels = Channels.of(namespace);
  }

  added(sessionId: string, user: string): void {
    if (this.left) return;
    let ids = this.sessionsByUser.get(user);
    if (!ids) this.sessionsByUser.set(user, (ids = new Set()));
    ids.add(sessionId);
    this.registry.user(this.channels, user, ids);
  }

  removed(sessionId: string, user: string): void {
    if (this.left) return;
    const ids = this.sessionsByUser.get(user);
    if (!ids?.delete(sessionId)) return;
    this.registry.user(this.channels, user, ids);
    if (ids.size === 0) this.sessionsByUser.delete(user);
  }

  users(): Promise<string[]> {
    return this.registry.users(this.channels);
  }

  sessionsOf(user: string): Promise<ClusterSession[]> {
    return this.registry.sessionsOf(this.channels, user);
  }

  leave(): Promise<void> {
    this.left = true;
    this.forget();
    const withdrawn = this.registry.withdraw(this);
    this.sessionsByUser.clear();
    return withdrawn;
  }
}
