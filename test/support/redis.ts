/** The throw-away redis-server the cluster tests start: demo/peers/redis.ts, shared with `npm run demo:cluster`. */
import { after, afterEach, before, beforeEach } from 'node:test';
import { startRedis, type RedisProcess } from '../../demo/peers/redis';
import { Resources } from './resources';

export * from '../../demo/peers/redis';

/** What `useRedis` gives a describe block: its redis-server (a test may stop and replace it) and this test's resources. */
export interface RedisFixture {
  redis: RedisProcess;
  resources: Resources;
}

/** One redis-server for the describe block, stopped after it; a fresh `Resources` per test, closed after each. */
export function useRedis(): RedisFixture {
  const fixture = {} as RedisFixture;
  before(async () => {
    fixture.redis = await startRedis();
  });
  after(async () => {
    await fixture.redis?.stop();
  });
  beforeEach(() => {
    fixture.resources = new Resources();
  });
  afterEach(() => fixture.resources.closeAll());
  return fixture;
}
