/**
 * The STOMP in-memory broker across nodes on the Redis cluster bus (`createStompServer({ cluster })`):
 * a real redis-server, three nodes in this process, each its own http server with the STOMP
 * endpoints and its own bus; real @stomp/stompjs clients. Topic messages (a client SEND, the
 * template, an `/app` reply) reach every subscriber on every node exactly once and in order per
 * publisher, pattern subscribers included; user messages reach that user's sessions on every node
 * and nobody else; a node listens to a topic's channel only while it has a subscriber of it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SockJsError } from '../../protocol';
import { createStompServer } from '../../server/stomp';
import { MemoryBroker } from '../../server/stomp/broker/memory-broker';
import { stompChannels } from '../../server/stomp/cluster/wire';
import { createRedisBus, type RedisClusterBus } from '../../server/cluster';
import { adminClient } from '../support/cluster';
import { RecordingLogger } from '../support/logger';
import { redisSkipReason, useRedis } from '../support/redis';
import { StompjsSession } from '../support/stomp';
import { bodiesUpTo, listenedBy, startStompNodes, stompChannelsOf, type StompNode } from '../support/stomp-cluster';
import { numbered, withUser } from '../support/stomp-e2e';

const skip = redisSkipReason();
const LONG = { timeout: 60_000 };
const COUNT = 100;

describe('STOMP broker on the Redis cluster bus', { skip }, () => {
  const fixture = useRedis();

  test(
    'topic messages from a SEND and the template reach every subscriber on every node once, in order',
    LONG,
    async () => {
      const { resources } = fixture;
      const nodes = await startStompNodes(fixture.redis.url, resources);
      const [one, two, three] = nodes as [StompNode, StompNode, StompNode];
      const admin = await adminClient(fixture.redis.url, resources);
      for (const node of nodes) assert.deepEqual(stompChannelsOf(node), [], 'no subscriber: no STOMP channel');

      const subscribers: StompjsSession[] = [];
      for (const [node, transport] of [
        [one, 'ws'],
        [one, 'xhr-streaming'],
        [two, 'ws'],
        [three, 'websocket'],
      ] as const) {
        const session = await StompjsSession.connect(node.server, transport, resources);
        await session.subscribed('/topic/x');
        subscribers.push(session);
      }
      const pattern = await StompjsSession.connect(three.server, 'ws', resources);
      await pattern.subscribed('/topic/**');
      await listenedBy(admin, stompChannels.topic('/topic/x'), 3);
      await listenedBy(admin, stompChannels.topicPrefix('/topic'), 1);
      assert.deepEqual(
        stompChannelsOf(one),
        [stompChannels.topic('/topic/x')],
        'node-1: no pattern, no prefix channel',
      );

      const sender = await StompjsSession.connect(one.server, 'ws', resources);
      const fromOne = [...numbered('a', COUNT), 'a-end'];
      const fromTwo = [...numbered('b', COUNT), 'b-end'];
      for (let i = 0; i <= COUNT; i++) {
        sender.client.publish({ destination: '/topic/x', body: fromOne[i] as string, headers: { 'x-from': 'one' } });
        two.server.stomp.template.convertAndSend('/topic/x', fromTwo[i]);
      }
      for (const session of [...subscribers, pattern]) {
        assert.deepEqual(await bodiesUpTo(session, 'a-end', 'a'), fromOne);
        assert.deepEqual(await bodiesUpTo(session, 'b-end', 'b'), fromTwo);
        assert.equal(session.messages.items.length, 2 * (COUNT + 1), 'nothing else, nothing twice');
        const first = session.messages.items.find((m) => m.body === 'a0');
        assert.equal(first?.headers['x-from'], 'one', "the publisher's headers cross the bus");
        assert.equal(first?.headers.destination, '/topic/x');
      }
      for (const node of nodes) assert.equal(node.bus.stats().gaps, 0);
      const broker = three.server.stomp.stats().broker;
      assert.equal(broker.topicSubscriptions, 2, 'node-3: a name and a pattern subscription');
      assert.equal(broker.delivered, 4 * (COUNT + 1), 'node-3: each message to both of its subscribers');
    },
  );

  test(
    'an /app reply to a topic reaches the other nodes; a node listens only while it has a subscriber',
    LONG,
    async () => {
      const { resources } = fixture;
      const nodes = await startStompNodes(fixture.redis.url, resources);
      const [one, two, three] = nodes as [StompNode, StompNode, StompNode];
      const admin = await adminClient(fixture.redis.url, resources);
      const listener = await StompjsSession.connect(three.server, 'ws', resources);
      const id = await listener.subscribed('/topic/echo');
      await listenedBy(admin, stompChannels.topic('/topic/echo'), 1);
      assert.deepEqual(stompChannelsOf(three), [stompChannels.topic('/topic/echo')]);
      assert.deepEqual(stompChannelsOf(one), [], 'node-1 has no subscriber of /topic/echo');
      assert.deepEqual(stompChannelsOf(two), []);

      const sender = await StompjsSession.connect(one.server, 'ws', resources);
      await sender.publishWithReceipt('/app/echo', 'hello');
      const reply = await listener.messages.waitFor((m) => m.body === 'hello', 'the reply on node-3');
      assert.equal(reply.headers.destination, '/topic/echo');

      listener.client.unsubscribe(id);
      await listenedBy(admin, stompChannels.topic('/topic/echo'), 0);
      assert.deepEqual(stompChannelsOf(three), [], 'the last subscriber gone: the channel is left');

      const prefixChannel = stompChannels.topicPrefix('/topic');
      const patterns = await StompjsSession.connect(two.server, 'ws', resources);
      const first = await patterns.subscribed('/topic/echo.*');
      const second = await patterns.subscribed('/topic/**');
      await listenedBy(admin, prefixChannel, 1);
      assert.deepEqual(stompChannelsOf(two), [prefixChannel], 'one channel for both patterns');
      patterns.client.unsubscribe(first);
      await sender.publishWithReceipt('/app/echo', 'after-first');
      await patterns.messages.waitFor((m) => m.body === 'after-first', 'the reply through the other pattern');
      assert.deepEqual(stompChannelsOf(two), [prefixChannel], 'a pattern left under the prefix: still listening');
      patterns.client.unsubscribe(second);
      await listenedBy(admin, prefixChannel, 0);
      assert.deepEqual(stompChannelsOf(two), []);
    },
  );

  test("user messages reach that user's sessions on every node, and no one else's", LONG, async () => {
    const { resources } = fixture;
    const nodes = await startStompNodes(fixture.redis.url, resources);
    const [one, two, three] = nodes as [StompNode, StompNode, StompNode];
    const admin = await adminClient(fixture.redis.url, resources);
    const alice: StompjsSession[] = [];
    for (const node of [one, two]) {
      const session = await StompjsSession.connect(withUser(node.server, 'alice'), 'ws', resources);
      await session.subscribed('/user/queue/x');
      alice.push(session);
    }
    const bob = await StompjsSession.connect(withUser(one.server, 'bob'), 'ws', resources);
    await bob.subscribed('/user/queue/x');
    const carol = await StompjsSession.connect(withUser(three.server, 'carol'), 'ws', resources);
    await listenedBy(admin, stompChannels.user('alice'), 2);
    await listenedBy(admin, stompChannels.user('bob'), 1);
    assert.ok(!three.bus.channels().includes(stompChannels.user('alice')), 'node-3 holds no session of alice');

    const sent = [...numbered('t', COUNT), 't-end'];
    for (const body of sent) three.server.stomp.template.convertAndSendToUser('alice', '/queue/x', body);
    await carol.publishWithReceipt('/user/alice/queue/x', 'by-send');
    three.server.stomp.template.convertAndSendToUser('bob', '/queue/x', 'bob-only');
    for (const session of alice) {
      assert.deepEqual(await bodiesUpTo(session, 't-end', 't'), sent);
      const bySend = await session.messages.waitFor((m) => m.body === 'by-send', 'the SEND to /user/alice');
      assert.equal(bySend.headers.destination, '/user/queue/x');
      assert.equal(session.messages.items.length, COUNT + 2, 'each once, nothing for bob');
    }
    await bob.messages.waitFor((m) => m.body === 'bob-only', "bob's own message");
    assert.deepEqual(
      bob.messages.items.map((m) => m.body),
      ['bob-only'],
      "none of alice's",
    );
  });
});

describe('the cluster option and the bus channels for modules', () => {
  const bus = (): RedisClusterBus => createRedisBus({ url: 'redis://127.0.0.1:1', logger: new RecordingLogger() });
  const invalidOption = (pattern: RegExp) => (error: unknown) =>
    error instanceof SockJsError && error.code === 'ERR_INVALID_OPTION' && pattern.test(error.message);

  test('createStompServer: cluster must be a bus; with another broker it carries the user destinations only', () => {
    assert.throws(
      () => createStompServer({ cluster: {} as RedisClusterBus }),
      invalidOption(/cluster must be a cluster bus/),
    );
    const broker = new MemoryBroker();
    assert.equal(createStompServer({ cluster: bus(), broker }).broker, broker, 'the broker given, not the bus');
  });

  test("a module's channel: not an endpoint's, one handler per channel", () => {
    const channels = bus();
    assert.throws(() => channels.subscribe('sockjs:/echo:broadcast', () => undefined), invalidOption(/sockjs:/));
    assert.throws(() => channels.publishTo('sockjs:/echo:broadcast', 'x'), invalidOption(/sockjs:/));
    void channels.subscribe('mine', () => undefined);
    assert.throws(() => channels.subscribe('mine', () => undefined), invalidOption(/already has a handler/));
    assert.deepEqual(channels.channels(), ['mine']);
    channels.unsubscribe('mine');
    assert.deepEqual(channels.channels(), []);
  });

  test("a module's queues and presence: a namespace of its own, one presence per namespace", () => {
    const channels = bus();
    for (const namespace of ['sockjs', 'sockjs:/echo', '', 'a b', 'x'.repeat(65)]) {
      assert.throws(() => channels.queueStore(namespace), invalidOption(/namespace must be/), namespace);
      assert.throws(() => channels.presence(namespace), invalidOption(/namespace must be/), namespace);
    }
    channels.presence('mine');
    assert.throws(() => channels.presence('mine'), invalidOption(/already kept/));
  });

  test('one STOMP server per bus: its names are fixed', () => {
    const shared = bus();
    createStompServer({ cluster: shared });
    assert.throws(() => createStompServer({ cluster: shared }), invalidOption(/presence stomp is already kept/));
  });

  test('createStompServer: clusterQueuePrefetch is a positive integer', () => {
    for (const clusterQueuePrefetch of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => createStompServer({ cluster: bus(), clusterQueuePrefetch }),
        invalidOption(/clusterQueuePrefetch/),
        String(clusterQueuePrefetch),
      );
    }
  });
});
