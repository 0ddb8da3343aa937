import type { ClusterLink, ClusterMember } from './types';
import { Channels, type Envelope } from './wire';

/** What a link needs of its bus: channels to listen to, publishing, the session registry. */
export interface BusCore {
  readonly nodeId: string;
  listen(channel: string, handler: (envelope: Envelope) => void): void;
  unlisten(channel: string): void;
  /** Publishes with this node's next sequence number on the channel; a publish Redis cannot take is counted as dropped. */
  publish(channel: string, target: string, message: string): void;
  register(key: string): void;
  unregister(key: string): void;
  /** The node id stored under `key`, or undefined (none, or Redis unavailable). */
  lookup(key: string): Promise<string | undefined>;
  forgetLink(prefix: string): void;
}

/** One endpoint on the bus: its channels, its sessions in the registry. */
export class EndpointLink implements ClusterLink {
  readonly channels: Channels;
  /** Local session ids, re-registered on every refresh and after Redis comes back. */
  readonly sessionIds = new Set<string>();
  /** Users with a local session: the user channels listened to. */
  private readonly users = new Set<string>();

  constructor(
    private readonly bus: BusCore,
    private readonly member: ClusterMember,
  ) {
    this.channels = new Channels(member.prefix);
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
    const node = await this.bus.lookup(this.channels.session(sessionId));
    // Our own id under a session we do not hold: a stale entry; the session is gone.
    if (node === undefined || node === this.bus.nodeId) return false;
    this.bus.publish(this.channels.node(node), sessionId, message);
    return true;
  }

  sessionAdded(sessionId: string): void {
    this.sessionIds.add(sessionId);
    this.bus.register(this.channels.session(sessionId));
  }

  sessionRemoved(sessionId: string): void {
    if (!this.sessionIds.delete(sessionId)) return;
    this.bus.unregister(this.channels.session(sessionId));
  }

  userJoined(user: string): void {
    this.users.add(user);
    this.bus.listen(this.channels.user(user), ({ message }) => void this.member.deliverToUser(user, message));
  }

  userLeft(user: string): void {
    if (!this.users.delete(user)) return;
    this.bus.unlisten(this.channels.user(user));
  }

  leave(): Promise<void> {
    for (const id of [...this.sessionIds]) this.sessionRemoved(id);
    for (const user of [...this.users]) this.userLeft(user);
    this.bus.unlisten(this.channels.broadcast);
    this.bus.unlisten(this.channels.node(this.bus.nodeId));
    this.bus.forgetLink(this.member.prefix);
    return Promise.resolve();
  }

  /** The registry keys of the local sessions (for the refresh). */
  registryKeys(): string[] {
    return [...this.sessionIds].map((id) => this.channels.session(id));
  }
}
