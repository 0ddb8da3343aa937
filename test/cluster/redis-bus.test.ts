/**
 * The cluster bus on a real redis-server (started here on a free loopback port, no persistence):
 * three nodes in this process, each its own http server, endpoint and bus, with sockjs-client
 * sessions on websocket, xhr-streaming and xhr-polling. Broadcasts reach every session on every node
 * exactly once and in order per publisher; sendToUser reaches only that user's sessions, and only
 * nodes holding one listen to the user's channel; sendTo crosses nodes through the registry; Redis
 * stopped and restarted: local sessions still served, drops counted and logged, a gap seen, and
 * afterwards broadcasts, user messages and sendTo reach every node again (node-redis resubscribed).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Channels } from '../../server/cluster/wire';
import { adminClient, openOn, shardSubscribers, startCluster, type ClusterNode } from '../support/cluster';
import { NODE_PREFIX } from '../support/nodes';
import { redisSkipReason, startRedis, useRedis } from '../support/redis';
import type { SockJsConnection } from '../support/sockjs-client';
import { pollUntil, until } from '../support/wait';

const skip = redisSkipReason();
const LONG = { timeout: 60_000 };
const channels = Channels.ofEndpoint(NODE_PREFIX);

/** `tag0 … tag(n-1)`. */
function numbered(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${tag}${i}`);
}

/** Polls an asynchronous condition (a question to Redis) until it holds. */
async function untilAsync(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  await pollUntil(async () => ((await check()) ? true : undefined), what, ms);
}

/** Waits for `last` on `connection`, then returns the messages starting with `tag`. */
async function messagesUpTo(connection: SockJsConnection, last: string, tag: string): Promise<string[]> {
  await connection.messages.waitFor((m) => m === last, `${last} on ${connection.transportAtOpen ?? '?'}`, 15_000);
  return connection.messages.items.filter((m) => m.startsWith(tag));
}

describe('cluster bus on Redis', { skip }, () => {
  const fixture = useRedis();

  test('broadcasts from two nodes reach every session on every node exactly once, in order', LONG, async () => {
    const { resources } = fixture;
    const nodes = await startCluster(fixture.redis.url, 3, resources);
    const sessions: SockJsConnection[] = [];
    for (const node of nodes) {
      sessions.push(await openOn(node, 'websocket', resources), await openOn(node, 'xhr-streaming', resources));
    }
    sessions.push(await openOn(nodes[2] as ClusterNode, 'xhr-polling', resources));
    const [one, two] = nodes as [ClusterNode, ClusterNode];
    assert.equal(one.bus.stats().sharded, true, 'Redis 7: sharded pub/sub');
    const fromOne = numbered('a', 300);
    const fromTwo = numbered('b', 300);
    for (let i = 0; i < 300; i++) {
      assert.equal(one.node.endpoint.broadcast(fromOne[i] as string), 2, 'the local count: node-1 has 2 sessions');
      two.node.endpoint.broadcast(fromTwo[i] as string);
    }
    one.node.endpoint.broadcast('a-end');
    two.node.endpoint.broadcast('b-end');
    for (const session of sessions) {
      assert.deepEqual(await messagesUpTo(session, 'a-end', 'a'), [...fromOne, 'a-end']);
      assert.deepEqual(await messagesUpTo(session, 'b-end', 'b'), [...fromTwo, 'b-end']);
      assert.equal(session.messages.items.length, 602, 'nothing else, nothing twice');
    }
    for (const node of nodes) assert.equal(node.bus.stats().gaps, 0);
    assert.equal(nodes[2]?.bus.stats().received, 602, 'node-3 took each foreign message once');
  });

  test('sendToUser reaches that user on every node; only nodes holding the user listen', LONG, async () => {
    const { resources } = fixture;
    const nodes = await startCluster(fixture.redis.url, 3, resources);
    const [one, two, three] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const admin = await adminClient(fixture.redis.url, resources);
    const aliceOnOne = await openOn(one, 'websocket', resources, 'alice');
    const aliceOnThree = await openOn(three, 'xhr-streaming', resources, 'alice');
    const bob = await openOn(two, 'websocket', resources, 'bob');
    const alice = channels.user('alice');
    await until(() => one.bus.channels().includes(alice) && three.bus.channels().includes(alice), 'alice channels');
    assert.equal(two.bus.channels().includes(alice), false, 'node-2 has no session of alice');
    await untilAsync(async () => (await shardSubscribers(admin, alice)) === 2, 'two Redis subscribers of alice');

    assert.equal(two.node.endpoint.sendToUser('alice', 'hello alice'), 0, 'no local session of alice on node-2');
    assert.equal(one.node.endpoint.sendToUser('bob', 'hello bob'), 0);
    assert.equal(await aliceOnOne.message(0), 'hello alice');
    assert.equal(await aliceOnThree.message(0), 'hello alice');
    assert.equal(await bob.message(0), 'hello bob');
    // Each user's own messages only: a third send to each, then nothing else came before it.
    two.node.endpoint.sendToUser('alice', 'again');
    one.node.endpoint.sendToUser('bob', 'again');
    for (const c of [aliceOnOne, aliceOnThree, bob]) assert.equal(await c.message(1), 'again');
    for (const c of [aliceOnOne, aliceOnThree, bob]) assert.equal(c.messages.items.length, 2);

    // The cluster-wide registry, asked on a node that holds no session of alice.
    assert.deepEqual(await two.bus.users(NODE_PREFIX), ['alice', 'bob']);
    const sessionsOfAlice = await two.bus.sessionsOf(NODE_PREFIX, 'alice');
    assert.deepEqual(sessionsOfAlice.map((s) => s.nodeId).sort(), ['node-1', 'node-3'], 'alice on node-1 and node-3');
    assert.deepEqual(sessionsOfAlice.map((s) => s.sessionId).sort(), [one.node.opened[0], three.node.opened[0]].sort());

    // Alice's last session on node-3 goes: node-3 leaves her channel and the registry.
    aliceOnThree.sock.close();
    await until(() => !three.bus.channels().includes(alice), 'node-3 to leave alice');
    await untilAsync(async () => (await shardSubscribers(admin, alice)) === 1, 'one Redis subscriber of alice');
    assert.deepEqual(
      (await one.bus.sessionsOf(NODE_PREFIX, 'alice')).map((s) => s.nodeId),
      ['node-1'],
    );
    // bob's node closes: bob leaves the cluster's users.
    await two.node.close();
    await untilAsync(async () => (await one.bus.users(NODE_PREFIX)).join() === 'alice', 'only alice left');
  });

  test('users(): a node whose entries were not refreshed in time (a dead one) no longer counts', LONG, async () => {
    const { resources } = fixture;
    const [one] = (await startCluster(fixture.redis.url, 1, resources)) as [ClusterNode];
    const admin = await adminClient(fixture.redis.url, resources);
    await admin.hSet(channels.users('node-dead'), 'zed', JSON.stringify(['s1']));
    await admin.zAdd(channels.nodes, { score: Date.now() + 60_000, value: 'node-dead' });
    assert.deepEqual(await one.bus.users(NODE_PREFIX), ['zed'], 'alive while its expiry is ahead');
    assert.deepEqual(await one.bus.sessionsOf(NODE_PREFIX, 'zed'), [{ nodeId: 'node-dead', sessionId: 's1' }]);
    await admin.zAdd(channels.nodes, { score: Date.now() - 1, value: 'node-dead' });
    assert.deepEqual(await one.bus.users(NODE_PREFIX), [], 'past its expiry: gone');
    assert.deepEqual(await one.bus.sessionsOf(NODE_PREFIX, 'zed'), []);
    await admin.del(channels.users('node-dead'));
    await admin.zRem(channels.nodes, 'node-dead');
  });

  test('sendTo reaches a session on another node through the registry', LONG, async () => {
    const { resources } = fixture;
    const nodes = await startCluster(fixture.redis.url, 3, resources);
    const [one, , three] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const far = await openOn(three, 'xhr-streaming', resources);
    const id = three.node.opened[0] as string;
    const admin = await adminClient(fixture.redis.url, resources);
    await untilAsync(
      async () => (await admin.get(channels.session(id))) === 'node-3',
      'the registry entry of the session',
    );
    assert.equal(one.node.endpoint.sendTo(id, 'direct'), false, 'not on node-1');
    assert.equal(await far.message(0), 'direct');
    assert.equal(await one.bus.sendTo(NODE_PREFIX, id, 'answered'), true);
    assert.equal(await far.message(1), 'answered');
    assert.equal(await one.bus.sendTo(NODE_PREFIX, 'no-such-session', 'lost'), false);
    far.sock.close();
    await untilAsync(async () => (await admin.get(channels.session(id))) === null, 'the entry removed on close');
  });

  test(
    'Redis stopped and restarted: local sessions served, drops counted and logged, then all nodes again',
    LONG,
    async () => {
      const { resources } = fixture;
      const nodes = await startCluster(fixture.redis.url, 3, resources, { reconnectMaxDelay: 200 });
      const [one, two, three] = nodes as [ClusterNode, ClusterNode, ClusterNode];
      const s1 = await openOn(one, 'websocket', resources);
      const s2 = await openOn(two, 'xhr-streaming', resources);
      const s3 = await openOn(three, 'websocket', resources, 'alice');
      const idOnTwo = two.node.opened[0] as string;
      one.node.endpoint.broadcast('before');
      for (const s of [s1, s2, s3]) assert.equal(await s.message(0), 'before');

      const port = fixture.redis.port;
      await fixture.redis.stop();
      await until(() => nodes.every((n) => !n.bus.stats().connected), 'every bus to notice', 10_000);
      await one.busLog.waitFor((e) => e.level === 'warn' && /Redis lost/.test(e.msg ?? ''), 'the outage logged');
      assert.equal(one.node.endpoint.broadcast('during'), 1, 'node-1 still serves its own session');
      assert.equal(await s1.message(1), 'during');
      assert.equal(one.bus.stats().dropped, 1, 'the publish counted as dropped');
      s2.sock.send('still here');
      assert.equal(await s2.message(1), 'node-2:still here', 'node-2 serves its session without Redis');

      // A user's first session while Redis is away: node-2 subscribes to carol's channel on reconnect.
      const carol = await openOn(two, 'websocket', resources, 'carol');

      fixture.redis = await startRedis({ port });
      const admin = await adminClient(fixture.redis.url, resources);
      // node-redis resubscribes every channel it has a listener for once it is back.
      await untilAsync(
        async () => (await shardSubscribers(admin, channels.broadcast)) === 3,
        'all three nodes resubscribed',
        15_000,
      );
      await untilAsync(async () => (await shardSubscribers(admin, channels.user('alice'))) === 1, 'alice resubscribed');
      await until(() => nodes.every((n) => n.bus.stats().connected), 'every publisher back', 10_000);
      const back = await one.busLog.waitFor((e) => /Redis back/.test(e.msg ?? ''), 'the return logged');
      assert.equal(back.obj.dropped, 1);

      one.node.endpoint.broadcast('after');
      assert.equal(await s1.message(2), 'after');
      assert.equal(await s2.message(2), 'after');
      assert.equal(await s3.message(1), 'after', 'node-3 never saw "during"');
      await until(() => two.bus.stats().gaps === 1 && three.bus.stats().gaps === 1, 'the gap seen by the receivers');
      assert.ok(
        two.busLog.entries.some((e) => /sequence gap/.test(e.msg ?? '')),
        'the gap logged',
      );

      one.node.endpoint.sendToUser('alice', 'alice again');
      assert.equal(await s3.message(2), 'alice again');
      await untilAsync(async () => (await shardSubscribers(admin, channels.user('carol'))) === 1, 'carol subscribed');
      one.node.endpoint.sendToUser('carol', 'hello carol');
      await carol.messages.waitFor((m) => m === 'hello carol', 'carol to get her message');
      assert.deepEqual(carol.messages.items, ['after', 'hello carol'], 'a broadcast and her own message');
      // The registry was lost with Redis; node-2 wrote it again when Redis came back.
      await untilAsync(async () => (await admin.get(channels.session(idOnTwo))) === 'node-2', 'the registry rewritten');
      await untilAsync(
        async () => (await two.bus.users(NODE_PREFIX)).join() === 'alice,carol',
        'node-3 and node-2 wrote their users again',
      );
      assert.equal(await one.bus.sendTo(NODE_PREFIX, idOnTwo, 'direct again'), true);
      assert.equal(await s2.message(3), 'direct again');
    },
  );
});
