/**
 * `sockjs-ts-server/cluster`: the cluster bus on Redis, and sticky routing for node:cluster
 * (`startStickyPrimary` in the primary, `acceptStickyConnections` in each worker). The only module
 * that loads `redis` (an optional peer dependency, `npm install redis`), and only when a bus is
 * created: the main entry and this one load without it; `createRedisBus` then throws
 * `ERR_REDIS_MISSING` naming the command.
 */
export { createRedisBus, REDIS_BUS_DEFAULTS, type RedisBusOptions, type RedisClusterBus } from './redis-bus';
export type { ClusterBusStats } from './stats';
export type { ClusterSession } from './registry';
export type { ClusterBus, ClusterChannels, ClusterLink, ClusterMember } from './types';
export {
  startStickyPrimary,
  STICKY_PRIMARY_DEFAULTS,
  type StickyPrimary,
  type StickyPrimaryOptions,
} from './sticky-primary';
export type { LiveWorker } from './sticky-pool';
export { acceptStickyConnections, stickyWorkerIndex, type StickyWorker } from './sticky-worker';
