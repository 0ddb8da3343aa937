/** A snapshot of a cluster bus's counters. */
export interface ClusterBusStats {
  nodeId: string;
  /** Whether SPUBLISH/SSUBSCRIBE are used. */
  sharded: boolean;
  /** Whether the publishing connection is up now. */
  connected: boolean;
  /** Channels listened to now. */
  channels: number;
  /** Publishes Redis took. */
  published: number;
  /** Publishes that never reached Redis (it was away, or refused them). */
  dropped: number;
  /** Messages from other nodes delivered here. */
  received: number;
  /** Messages of other nodes known to be missed, from gaps in their sequence numbers. */
  gaps: number;
  /** Times the publishing connection came back after losing Redis. */
  reconnects: number;
  /** Reconnect attempts of both connections. */
  reconnectAttempts: number;
}

export class BusCounters {
  published = 0;
  dropped = 0;
  received = 0;
  gaps = 0;
  reconnects = 0;
  reconnectAttempts = 0;

  snapshot(nodeId: string, sharded: boolean, connected: boolean, channels: number): ClusterBusStats {
    const { published, dropped, received, gaps, reconnects, reconnectAttempts } = this;
    return { nodeId, sharded, connected, channels, published, dropped, received, gaps, reconnects, reconnectAttempts };
  }
}
