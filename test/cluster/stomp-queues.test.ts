/**
 * STOMP queues across the nodes of the Redis cluster bus: a real redis-server, three nodes in this
 * process (test/support/stomp-cluster.ts), real @stomp/stompjs clients. Each queue message reaches
 * one consumer of the cluster, whichever node it was sent on; what waits is kept in Redis; nacked
 * and unacknowledged messages go back for another node; the bounds and Redis being away give the
 * sender an ERROR; the cluster-wide user list; a SUBSCRIBE's receipt comes once Redis has the channel.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IMessage } from '@stomp/stompjs' with { 'resolution-mode': 'import' };
import { adminClient, type AdminClient } from '../support/cluster';
import { redisSkipReason, startRedis, useRedis } from '../support/redis';
import { StompjsSession } from '../support/stomp';
import { startStompNodes, type StompNode } from '../support/stomp-cluster';
import { numbered, unique, withUser } from '../support/stomp-e2e';
import { pollUntil, until, withTimeout } from '../support/wait';

const skip = redisSkipReason();
const LONG = { timeout: 60_000 };

/** What Redis holds of the STOMP queues: the list's length, and whether the byte counts are all gone. */
async function held(admin: AdminClient, queue: string): Promise<{ length: number; counted: boolean }> {
  const length = await admin.lLen(`stomp:queue:${queue}`);
  const counted = (await admin.exists('stomp:queued-bytes')) === 1 || (await admin.hLen('stomp:queues')) > 0;
  return { length, counted };
}

/** The ERROR frame a session gets next. */
function nextError(session: StompjsSession): Promise<string> {
  const seen = new Promise<string>((resolve) => {
    session.client.onStompError = (frame) => resolve(frame.headers.message ?? '');
  });
  return withTimeout(seen, 'an ERROR frame');
}

function bodies(messages: readonly IMessage[], tag: string): string[] {
  return messages.map((m) => m.body).filter((body) => body.startsWith(tag));
}

describe('STOMP queues on the Redis cluster bus', { skip }, () => {
  const fixture = useRedis();

  test(
    'messages sent on any node reach one consumer of the cluster each, in order per consumer, and leave nothing in Redis',
    LONG,
    async () => {
      const { resources } = fixture;
      const [one, two, three] = (await startStompNodes(fixture.redis.url, resources)) as [
        StompNode,
        StompNode,
        StompNode,
      ];
      const admin = await adminClient(fixture.redis.url, resources);
      const queue = unique('/queue/work');
      const consumers: StompjsSession[] = [];
      for (const [node, transport] of [
        [two, 'ws'],
        [three, 'xhr-streaming'],
        [three, 'ws'],
      ] as const) {
        const session = await StompjsSession.connect(node.server, transport, resources);
        await session.subscribed(queue);
        consumers.push(session);
      }
      const sender = await StompjsSession.connect(one.server, 'ws', resources);
      const fromSend = numbered('a', 300);
      const fromTemplate = numbered('b', 100);
      for (const body of fromSend) sender.client.publish({ destination: queue, body, headers: { 'x-from': 'one' } });
      for (const body of fromTemplate) two.server.stomp.template.convertAndSend(queue, body);
      const total = fromSend.length + fromTemplate.length;
      await until(
        () => consumers.reduce((sum, c) => sum + c.messages.items.length, 0) >= total,
        `${total} messages consumed`,
        20_000,
      );
      const all = consumers.flatMap((c) => c.messages.items.map((m) => m.body));
      assert.equal(all.length, total, 'nothing twice');
      assert.deepEqual([...all].sort(), [...fromSend, ...fromTemplate].sort(), 'every message');
      for (const consumer of consumers) {
        for (const tag of ['a', 'b']) {
          const got = bodies(consumer.messages.items, tag);
          const order = got.map((body) => Number(body.slice(1)));
          assert.deepEqual(
            order,
            [...order].sort((x, y) => x - y),
            `in order per publisher (${tag})`,
          );
        }
      }
      assert.ok(consumers.filter((c) => c.messages.items.length > 0).length >= 2, 'spread over the consumers');
      const first = consumers.flatMap((c) => c.messages.items).find((m) => m.body === 'a0');
      assert.equal(first?.headers['x-from'], 'one', "the sender's headers cross the bus");
      assert.equal(first?.headers.destination, queue);
      assert.deepEqual(await held(admin, queue), { length: 0, counted: false }, 'Redis holds nothing any more');
      assert.equal(one.server.stomp.stats().broker.published, fromSend.length);
      const delivered = [one, two, three].map((n) => n.server.stomp.stats().broker.delivered);
      assert.equal(delivered[0], 0, 'node-1 has no consumer');
      assert.equal((delivered[1] as number) + (delivered[2] as number), total);
    },
  );

  test('what is sent while no node has a consumer waits in Redis for the first one, on any node', LONG, async () => {
    const { resources } = fixture;
    const [one, , three] = (await startStompNodes(fixture.redis.url, resources)) as [StompNode, StompNode, StompNode];
    const admin = await adminClient(fixture.redis.url, resources);
    const queue = unique('/queue/later');
    const sender = await StompjsSession.connect(one.server, 'ws', resources);
    const sent = numbered('w', 50);
    for (const body of sent) await sender.publishWithReceipt(queue, body);
    assert.equal((await held(admin, queue)).length, 50, 'the RECEIPT came once Redis had it');
    const consumer = await StompjsSession.connect(three.server, 'xhr-polling', resources);
    await consumer.subscribed(queue);
    await consumer.messages.waitFor((m) => m.body === 'w49', 'the last one', 15_000);
    assert.deepEqual(
      consumer.messages.items.map((m) => m.body),
      sent,
      'all of them, in order',
    );
    assert.deepEqual(await held(admin, queue), { length: 0, counted: false });
  });

  test(
    'a NACK and the unacknowledged messages of a session that ends go back for any node, redelivered',
    LONG,
    async () => {
      const { resources } = fixture;
      const [one, two] = (await startStompNodes(fixture.redis.url, resources)) as [StompNode, StompNode, StompNode];
      const queue = unique('/queue/acks');
      const holder = await StompjsSession.connect(one.server, 'ws', resources);
      await holder.subscribed(queue, { ack: 'client-individual' });
      one.server.stomp.template.convertAndSend(queue, 'x1');
      const x1 = await holder.messages.waitFor((m) => m.body === 'x1', 'x1');
      x1.nack();
      const again = await holder.messages.waitFor((m) => m.body === 'x1' && m !== x1, 'x1 redelivered');
      assert.equal(again.headers.redelivered, 'true');
      again.ack();

      two.server.stomp.template.convertAndSend(queue, 'y1');
      two.server.stomp.template.convertAndSend(queue, 'y2');
      await holder.messages.waitFor((m) => m.body === 'y2', 'y2 held unacknowledged');
      const other = await StompjsSession.connect(two.server, 'xhr-streaming', resources);
      await other.subscribed(queue);
      await holder.client.deactivate();
      await other.messages.waitFor((m) => m.body === 'y2', 'y2 on node-2', 15_000);
      assert.deepEqual(
        other.messages.items.map((m) => [m.body, m.headers.redelivered]),
        [
          ['y1', 'true'],
          ['y2', 'true'],
        ],
        'both, in order, marked redelivered; x1 (acked) not again',
      );
      await until(() => one.server.stomp.stats().broker.queueSubscriptions === 0, 'node-1 without a consumer');
      assert.equal(two.server.stomp.stats().broker.redelivered, 2);
    },
  );

  test("a queue's bound refuses a SEND with an ERROR naming it; what it holds is kept", LONG, async () => {
    const { resources } = fixture;
    const [one, two] = (await startStompNodes(fixture.redis.url, resources, { maxQueuedMessages: 5 })) as [
      StompNode,
      StompNode,
      StompNode,
    ];
    const queue = unique('/queue/bounded');
    const sender = await StompjsSession.connect(one.server, 'ws', resources);
    for (const body of numbered('k', 5)) await sender.publishWithReceipt(queue, body);
    const refused = nextError(sender);
    sender.client.publish({ destination: queue, body: 'k5', headers: { receipt: 'over' } });
    assert.match(await refused, new RegExp(`${queue}: its queue holds 5 messages \\(maxQueuedMessages\\)`));
    // The template has no sender to tell: the drop is logged.
    two.server.stomp.template.convertAndSend(queue, 'by-template');
    await two.server.logger.waitFor(
      (e) => e.msg === 'STOMP message dropped' && /maxQueuedMessages/.test(String(e.obj.reason)),
      'the drop logged',
    );
    assert.equal(one.server.stomp.stats().broker.queueOverflows, 1);
    const consumer = await StompjsSession.connect(two.server, 'ws', resources);
    await consumer.subscribed(queue);
    await consumer.messages.waitFor((m) => m.body === 'k4', 'the five kept');
    assert.deepEqual(
      consumer.messages.items.map((m) => m.body),
      numbered('k', 5),
    );
  });

  test(
    'Redis away: a queue SEND gets an ERROR, nothing is taken; back: consumers resubscribed take what comes',
    LONG,
    async () => {
      const { resources } = fixture;
      const nodes = await startStompNodes(fixture.redis.url, resources, {}, 2, { reconnectMaxDelay: 200 });
      const [one, two] = nodes as [StompNode, StompNode];
      const queue = unique('/queue/outage');
      const consumer = await StompjsSession.connect(two.server, 'ws', resources);
      await consumer.subscribed(queue);
      const sender = await StompjsSession.connect(one.server, 'ws', resources);
      await sender.publishWithReceipt(queue, 'before');
      await consumer.messages.waitFor((m) => m.body === 'before', 'before');

      const port = fixture.redis.port;
      await fixture.redis.stop();
      await until(() => nodes.every((n) => !n.bus.stats().connected), 'both buses to notice', 10_000);
      const refused = nextError(sender);
      sender.client.publish({ destination: queue, body: 'during', headers: { receipt: 'during' } });
      assert.match(await refused, /Message broker not available/);
      // A SUBSCRIBE meanwhile is not held up until Redis is back (nor the session's frames behind it).
      await consumer.subscribed(unique('/topic/during-outage'));

      fixture.redis = await startRedis({ port });
      await until(() => nodes.every((n) => n.bus.stats().connected), 'both buses back', 15_000);
      const again = await StompjsSession.connect(one.server, 'ws', resources);
      // node-2's queue channel is resubscribed by the bus; the message is announced on it.
      await pollUntil(async () => {
        await again.publishWithReceipt(queue, 'after');
        return consumer.messages.items.some((m) => m.body === 'after') ? true : undefined;
      }, 'a message after the outage reaching node-2');
      assert.ok(!consumer.messages.items.some((m) => m.body === 'during'), 'the refused one never arrives');
    },
  );

  test('users across the cluster: every node lists every node’s users and their sessions', LONG, async () => {
    const { resources } = fixture;
    const nodes = await startStompNodes(fixture.redis.url, resources);
    const [one, two, three] = nodes as [StompNode, StompNode, StompNode];
    const aliceOne = await StompjsSession.connect(withUser(one.server, 'alice'), 'ws', resources);
    await StompjsSession.connect(withUser(two.server, 'alice'), 'xhr-streaming', resources);
    await StompjsSession.connect(withUser(three.server, 'bob'), 'ws', resources);
    for (const node of nodes) {
      await pollUntil(
        async () => ((await node.server.stomp.clusterUsers()).join() === 'alice,bob' ? true : undefined),
        `${node.bus.nodeId} to list alice and bob`,
      );
    }
    assert.deepEqual(one.server.stomp.users(), ['alice'], "users() stays this node's");
    const alice = await three.server.stomp.clusterSessionsOf('alice');
    assert.deepEqual(alice.map((s) => s.nodeId).sort(), ['node-1', 'node-2']);
    const onOne = one.server.stomp.sessionsOf('alice')[0];
    assert.ok(
      alice.some((s) => s.nodeId === 'node-1' && s.sessionId === onOne?.id),
      "node-1's STOMP session id",
    );

    await aliceOne.client.deactivate();
    await pollUntil(
      async () => ((await three.server.stomp.clusterSessionsOf('alice')).length === 1 ? true : undefined),
      "alice's session on node-1 gone from the registry",
    );
    await two.bus.close();
    await pollUntil(
      async () => ((await three.server.stomp.clusterUsers()).join() === 'bob' ? true : undefined),
      'node-2 left: alice is gone',
    );
  });

  test(
    "a SUBSCRIBE's RECEIPT comes once Redis has the channel: a message from another node right after reaches it",
    LONG,
    async () => {
      const { resources } = fixture;
      const [one, two] = (await startStompNodes(fixture.redis.url, resources)) as [StompNode, StompNode, StompNode];
      const subscriber = await StompjsSession.connect(two.server, 'ws', resources);
      for (let i = 0; i < 20; i++) {
        const topic = unique('/topic/fresh');
        await subscriber.subscribed(topic);
        one.server.stomp.template.convertAndSend(topic, `to ${topic}`);
        await subscriber.messages.waitFor((m) => m.body === `to ${topic}`, `the message to ${topic}`, 5_000);
        const queue = unique('/queue/fresh');
        await subscriber.subscribed(queue);
        one.server.stomp.template.convertAndSend(queue, `to ${queue}`);
        await subscriber.messages.waitFor((m) => m.body === `to ${queue}`, `the message to ${queue}`, 5_000);
      }
      assert.equal(subscriber.messages.items.length, 40);
      for (let i = 0; i < 10; i++) {
        const user = unique('fresh-user');
        const session = await StompjsSession.connect(withUser(two.server, user), 'ws', resources);
        await session.subscribed('/user/queue/fresh');
        one.server.stomp.template.convertAndSendToUser(user, '/queue/fresh', `to ${user}`);
        await session.messages.waitFor((m) => m.body === `to ${user}`, `the message to ${user}`, 5_000);
      }
    },
  );
});
