/**
 * The bus's messages on Redis: a one-line JSON head `[origin node, sequence, target]` and, after
 * the newline, the message as the application gave it (never re-encoded, so each node quotes it
 * once for all its sessions). The target is the session id on a node channel, '' elsewhere.
 */

export interface Envelope {
  /** The publishing node's id. */
  readonly origin: string;
  /** The publisher's sequence number on this channel, from 1. */
  readonly seq: number;
  /** The session id (node channels), else ''. */
  readonly target: string;
  readonly message: string;
}

export function encodeEnvelope(origin: string, seq: number, target: string, message: string): string {
  return `${JSON.stringify([origin, seq, target])}\n${message}`;
}

/** The envelope, or undefined for anything that is not one of ours. */
export function decodeEnvelope(raw: string): Envelope | undefined {
  const newline = raw.indexOf('\n');
  if (newline < 0) return undefined;
  let head: unknown;
  try {
    head = JSON.parse(raw.slice(0, newline));
  } catch {
    return undefined;
  }
  if (!Array.isArray(head) || head.length !== 3) return undefined;
  const [origin, seq, target] = head as unknown[];
  if (typeof origin !== 'string' || typeof target !== 'string') return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  return { origin, seq, target, message: raw.slice(newline + 1) };
}

/** Per channel and publisher: the last sequence number seen, to count the messages never seen. */
export class GapDetector {
  private readonly last = new Map<string, Map<string, number>>();

  /**
   * How many messages of `origin` on `channel` were missed before this one (0 in order). The first
   * message seen from a publisher on a channel (just subscribed, or the publisher restarted) sets
   * the baseline.
   */
  check(channel: string, origin: string, seq: number): number {
    let origins = this.last.get(channel);
    if (!origins) this.last.set(channel, (origins = new Map()));
    const last = origins.get(origin);
    origins.set(origin, seq);
    if (last === undefined || seq <= last) return 0;
    return seq - last - 1;
  }

  /** A channel left: its baselines go with it (a later subscription starts afresh). */
  forget(channel: string): void {
    this.last.delete(channel);
  }
}

/** Sequence numbers of one publisher, per channel. */
export class Sequencer {
  private readonly next = new Map<string, number>();

  take(channel: string): number {
    const seq = (this.next.get(channel) ?? 0) + 1;
    this.next.set(channel, seq);
    return seq;
  }
}

/**
 * The channel and key names of one endpoint (`sockjs:{prefix}:…`), or of a module's presence
 * (`{namespace}:…`, built with `Channels.of`).
 */
export class Channels {
  private constructor(private readonly root: string) {}

  /** An endpoint's names: `sockjs:{prefix}:…`. */
  static ofEndpoint(prefix: string): Channels {
    return new Channels(`sockjs:${prefix}`);
  }

  /** A module's names: `{namespace}:…` (a namespace not starting with `sockjs:`). */
  static of(namespace: string): Channels {
    return new Channels(namespace);
  }

  get broadcast(): string {
    return `${this.root}:broadcast`;
  }

  user(name: string): string {
    return `${this.root}:user:${name}`;
  }

  node(nodeId: string): string {
    return `${this.root}:node:${nodeId}`;
  }

  /** The registry hash of one node's users (user → its session ids there). */
  users(nodeId: string): string {
    return `${this.root}:users:${nodeId}`;
  }

  /** The registry's sorted set of live nodes (scored by expiry). */
  get nodes(): string {
    return `${this.root}:nodes`;
  }

  /** The registry key naming the node that holds a session (a key, not a channel). */
  session(sessionId: string): string {
    return `${this.root}:session:${sessionId}`;
  }
}
