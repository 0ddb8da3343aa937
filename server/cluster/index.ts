/**
 * `sockjs-ts-server/cluster`: the cluster bus on Redis. The only module that imports `redis` (an
 * optional peer dependency, `npm install redis`): the main entry loads without it.
 */
export { createRedisBus, REDIS_BUS_DEFAULTS, type RedisBusOptions, type RedisClusterBus } from './redis-bus';
export type { ClusterBusStats } from './stats';
export type { ClusterSession } from './registry';
export type { ClusterBus, ClusterLink, ClusterMember } from './types';
