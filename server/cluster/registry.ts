/**
 * The cluster's registry in Redis, all entries expiring unless their node refreshes them (every
 * third of `registryTtl`), so a node that dies leaves nothing behind for long:
 * - `sockjs:{prefix}:session:{id}` → node id, for `sendTo`;
 * - `sockjs:{prefix}:users:{node}`, a hash of user → JSON list of that user's session ids there;
 * - `sockjs:{prefix}:nodes`, a sorted set of node ids scored by when their entries expire.
 * Written only while Redis is there; rewritten whole when it comes back (a restarted Redis has
 * forgotten everything).
 */
import type { RedisClientType } from 'redis';
import type { Logger } from '../handler';
import type { Channels } from './wire';

/** One session of the cluster: the node holding it, and its id. */
export interface ClusterSession {
  readonly nodeId: string;
  readonly sessionId: string;
}

/** What one endpoint holds on this node, for a full rewrite. */
export interface LocalHoldings {
  readonly channels: Channels;
  readonly sessionIds: ReadonlySet<string>;
  readonly sessionsByUser: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Session keys per DEL command when an endpoint withdraws. */
const WITHDRAW_BATCH = 1_000;

export class RedisRegistry {
  constructor(
    private readonly client: RedisClientType,
    private readonly nodeId: string,
    private readonly ttl: number,
    private readonly logger: Logger,
  ) {}

  private get up(): boolean {
    return this.client.isReady;
  }

  private failed(what: string): (error: unknown) => void {
    return (error) => this.logger.debug({ err: error }, `cluster bus: registry ${what} failed`);
  }

  session(channels: Channels, sessionId: string, present: boolean): void {
    if (!this.up) return;
    const key = channels.session(sessionId);
    const done = present
      ? this.client.set(key, this.nodeId, { expiration: { type: 'PX', value: this.ttl } })
      : this.client.del(key);
    done.catch(this.failed('session write'));
  }

  user(channels: Channels, user: string, sessionIds: ReadonlySet<string> | undefined): void {
    if (!this.up) return;
    const key = channels.users(this.nodeId);
    if (sessionIds === undefined || sessionIds.size === 0) {
      this.client.hDel(key, user).catch(this.failed('user delete'));
      return;
    }
    this.client.hSet(key, user, JSON.stringify([...sessionIds])).catch(this.failed('user write'));
    this.client.pExpire(key, this.ttl).catch(this.failed('user expiry'));
  }

  /** Writes everything one endpoint holds here, with fresh expiries (also the periodic refresh). */
  rewrite(holdings: LocalHoldings): void {
    if (!this.up) return;
    const { channels } = holdings;
    for (const id of holdings.sessionIds) this.session(channels, id, true);
    const key = channels.users(this.nodeId);
    const now = Date.now();
    if (holdings.sessionsByUser.size > 0) {
      const fields = Object.fromEntries(
        [...holdings.sessionsByUser].map(([user, ids]) => [user, JSON.stringify([...ids])]),
      );
      this.client.hSet(key, fields).catch(this.failed('users write'));
      this.client.pExpire(key, this.ttl).catch(this.failed('users expiry'));
    }
    this.client.zAdd(channels.nodes, { score: now + this.ttl, value: this.nodeId }).catch(this.failed('node write'));
    this.client.zRemRangeByScore(channels.nodes, '-inf', now).catch(this.failed('node expiry'));
  }

  /**
   * The endpoint leaves: every session key it holds here, its users hash and its place in the
   * nodes set go in one transaction, so no other node sees it half gone. Resolves once done (a
   * failure is logged: the entries then expire after `registryTtl`).
   */
  async withdraw(holdings: LocalHoldings): Promise<void> {
    if (!this.up) return;
    const { channels } = holdings;
    const transaction = this.client.multi();
    const keys = [...holdings.sessionIds].map((id) => channels.session(id));
    // DEL takes many keys; batches keep each command of a large node to a bounded size.
    for (let i = 0; i < keys.length; i += WITHDRAW_BATCH) transaction.del(keys.slice(i, i + WITHDRAW_BATCH));
    transaction.del(channels.users(this.nodeId));
    transaction.zRem(channels.nodes, this.nodeId);
    await transaction.exec().then(() => undefined, this.failed('withdraw'));
  }

  /** The node holding a session, or undefined (none, or Redis away). */
  async nodeOf(channels: Channels, sessionId: string): Promise<string | undefined> {
    if (!this.up) return undefined;
    try {
      return (await this.client.get(channels.session(sessionId))) ?? undefined;
    } catch (error) {
      this.failed('read')(error);
      return undefined;
    }
  }

  /** Nodes whose entries have not expired. */
  private async liveNodes(channels: Channels): Promise<string[]> {
    return this.client.zRangeByScore(channels.nodes, Date.now(), '+inf');
  }

  /** Users with a session on any live node, sorted. Rejects while Redis is away. */
  async users(channels: Channels): Promise<string[]> {
    const nodes = await this.liveNodes(channels);
    const lists = await Promise.all(nodes.map((node) => this.client.hKeys(channels.users(node))));
    return [...new Set(lists.flat())].sort();
  }

  /** The sessions of `user` on every live node. Rejects while Redis is away. */
  async sessionsOf(channels: Channels, user: string): Promise<ClusterSession[]> {
    const nodes = await this.liveNodes(channels);
    const entries = await Promise.all(nodes.map((node) => this.client.hGet(channels.users(node), user)));
    return nodes.flatMap((nodeId, i) => parseIds(entries[i]).map((sessionId) => ({ nodeId, sessionId })));
  }
}

function parseIds(raw: string | null | undefined): string[] {
  if (raw === null || raw === undefined) return [];
  try {
    const ids: unknown = JSON.parse(raw);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
