/**
 * Point-to-point queues in Redis for every node of the bus. Per namespace:
 * - `{ns}:queue:{name}`, a list: the queue's messages, oldest at the head;
 * - `{ns}:queues`, a hash: queue name → the bytes its list holds (a queue is in it while it holds any);
 * - `{ns}:queued-bytes`: the bytes all the lists hold.
 * Each operation is one Lua script, so the bounds and the byte counts never drift from the lists
 * whatever the nodes do at the same time, and a message taken by one node is gone for the others.
 * A message's size is its length in bytes as stored.
 */
import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import type { ClusterQueueBounds, ClusterQueueStore } from './types';

const PUSH = `
local queued = redis.call('HGET', KEYS[2], ARGV[1])
local bytes = string.len(ARGV[2])
if not queued and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[6]) then return 'maxQueues' end
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'maxQueuedMessages' end
if tonumber(queued or '0') + bytes > tonumber(ARGV[4]) then return 'maxQueuedBytes' end
if tonumber(redis.call('GET', KEYS[3]) or '0') + bytes > tonumber(ARGV[5]) then return 'maxBrokerQueuedBytes' end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[1], bytes)
redis.call('INCRBY', KEYS[3], bytes)
return ''
`;

const PUT_BACK = `
local bytes = 0
for i = #ARGV, 2, -1 do
  redis.call('LPUSH', KEYS[1], ARGV[i])
  bytes = bytes + string.len(ARGV[i])
end
redis.call('HINCRBY', KEYS[2], ARGV[1], bytes)
redis.call('INCRBY', KEYS[3], bytes)
return #ARGV - 1
`;

const TAKE = `
local items = redis.call('LPOP', KEYS[1], tonumber(ARGV[2]))
if not items then return {} end
local bytes = 0
for _, item in ipairs(items) do bytes = bytes + string.len(item) end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('HDEL', KEYS[2], ARGV[1])
else redis.call('HINCRBY', KEYS[2], ARGV[1], -bytes) end
if redis.call('DECRBY', KEYS[3], bytes) <= 0 and redis.call('HLEN', KEYS[2]) == 0 then redis.call('DEL', KEYS[3]) end
return items
`;

/** A script run by its SHA1, sent whole only when Redis does not have it yet (a restarted Redis has none). */
class Script {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClientType, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await client.evalSha(this.sha, { keys, arguments: args });
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, { keys, arguments: args });
    }
  }
}

const scripts = { push: new Script(PUSH), putBack: new Script(PUT_BACK), take: new Script(TAKE) };

export class RedisQueueStore implements ClusterQueueStore {
  constructor(
    private readonly client: RedisClientType,
    private readonly namespace: string,
  ) {}

  private keys(queue: string): string[] {
    return [`${this.namespace}:queue:${queue}`, `${this.namespace}:queues`, `${this.namespace}:queued-bytes`];
  }

  async push(queue: string, message: string, bounds: ClusterQueueBounds): Promise<string | undefined> {
    const { maxQueuedMessages, maxQueuedBytes, maxBrokerQueuedBytes, maxQueues } = bounds;
    const limits = [maxQueuedMessages, maxQueuedBytes, maxBrokerQueuedBytes, maxQueues].map(String);
    const refused = await scripts.push.run(this.client, this.keys(queue), [queue, message, ...limits]);
    return typeof refused === 'string' && refused !== '' ? refused : undefined;
  }

  async putBack(queue: string, messages: readonly string[]): Promise<void> {
    if (messages.length === 0) return;
    await scripts.putBack.run(this.client, this.keys(queue), [queue, ...messages]);
  }

  async take(queue: string, count: number): Promise<string[]> {
    const items = await scripts.take.run(this.client, this.keys(queue), [queue, String(count)]);
    return Array.isArray(items) ? items.filter((item): item is string => typeof item === 'string') : [];
  }
}
