/** The throw-away redis-server the cluster tests start: demo/peers/redis.ts, shared with `npm run demo:cluster`. */
export * from '../../demo/peers/redis';
