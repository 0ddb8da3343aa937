import type { ClusterSession, LocalHoldings, RedisRegistry } from './registry';
import type { ClusterLink, ClusterMember } from './types';
import { Channels, type Envelope } from './wire';

/** What a link needs of its bus: channels to listen to, publishing, the registry. */
export interface BusCore {
  readonly nodeId: string;
  readonly registry: RedisRegistry;
  listen(channel: string, handler: (envelope: Envelope) => void): void;
  unlisten(channel: string): void;
  /** Publishes with this node's next sequence number on the channel; a publish Redis cannot take is counted as dropped. */
  publish(channel: string, target: string, message: string): void;
  forgetLink(prefix: string): void;
}

/** One endpoint on the bus: its channels, its sessions and users in the registry. */
export class EndpointLink implements ClusterLink, LocalHoldings {
  readonly channels: Channels;
  /** Local session ids, rewritten on every refresh and after Redis comes back. */
  readonly sessionIds = new Set<string>();
  /** Local sessions by user; a user here is a user channel listened to. */
  readonly sessionsByUser = new Map<string, Set<string>>();

  constructor(
    private readonly bus: BusCore,
    private readonly member: ClusterMember,
  ) {
    this.channels = Channels.ofEndpoint(member.prefix);
    bus.listen(this.channels.broadcast, ({ message }) => void member.deliverBroadcast(message));
    bus.listen(this.channels.node(bus.nodeId), ({ target, message }) => void member.deliverTo(target, message));
  }

  broadcast(message: string): void {
    this.bus.publish(this.channels.broadcast, '', message);
  }

  sendToUser(user: string, message: string): void {
    this.bus.publish(this.channels.user(user), '', message);
  }

  async sendTo(sessionId: string, message: string): Promise<boolean> {
    const node = await this.bus.registry.nodeOf(this.channels, sessionId);
    // Our own id under a session we do not hold: a stale entry; the session is gone.
    if (node === undefined || node === this.bus.nodeId) return false;
    this.bus.publish(this.channels.node(node), sessionId, message);
    return true;
  }

  /** False once withdrawn: the registry is no longer written for this endpoint (see `withdraw`). */
  registered = true;

  sessionAdded(sessionId: string, user: string | undefined): void {
    this.sessionIds.add(sessionId);
    if (this.registered) this.bus.registry.session(this.channels, sessionId, true);
    if (user === undefined) return;
    let ids = this.sessionsByUser.get(user);
    if (!ids) {
      this.sessionsByUser.set(user, (ids = new Set()));
      this.bus.listen(this.channels.user(user), ({ message }) => void this.member.deliverToUser(user, message));
    }
    ids.add(sessionId);
    if (this.registered) this.bus.registry.user(this.channels, user, ids);
  }

  sessionRemoved(sessionId: string, user: string | undefined): void {
    if (this.sessionIds.delete(sessionId) && this.registered) {
      this.bus.registry.session(this.channels, sessionId, false);
    }
    const ids = user === undefined ? undefined : this.sessionsByUser.get(user);
    if (user === undefined || !ids?.delete(sessionId)) return;
    if (this.registered) this.bus.registry.user(this.channels, user, ids);
    if (ids.size > 0) return;
    this.sessionsByUser.delete(user);
    this.bus.unlisten(this.channels.user(user));
  }

  users(): Promise<string[]> {
    return this.bus.registry.users(this.channels);
  }

  sessionsOf(user: string): Promise<ClusterSession[]> {
    return this.bus.registry.sessionsOf(this.channels, user);
  }

  /** The one withdrawal (a second call, and `leave()`, wait for the same). */
  private withdrawal: Promise<void> | undefined;

  withdraw(): Promise<void> {
    this.registered = false;
    return (this.withdrawal ??= this.bus.registry.withdraw(this));
  }

  async leave(): Promise<void> {
    await this.withdraw();
    this.sessionIds.clear();
    for (const user of this.sessionsByUser.keys()) this.bus.unlisten(this.channels.user(user));
    this.sessionsByUser.clear();
    this.bus.unlisten(this.channels.broadcast);
    this.bus.unlisten(this.channels.node(this.bus.nodeId));
    this.bus.forgetLink(this.member.prefix);
  }
}
