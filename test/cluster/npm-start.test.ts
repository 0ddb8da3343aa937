/**
 * `npm start` with `REDIS_URL` joins a cluster: three demo processes on one real redis-server,
 * with sessions on each. A `/broadcast` message sent on any node, a `POST /notify` to a `/secure`
 * user and a STOMP topic message (`POST /publish`) each reach the sessions of all three nodes
 * exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginOn, startDemoNode, type DemoNode } from '../support/demo-node';
import { POST } from '../support/raw-http';
import { redisSkipReason, startRedis } from '../support/redis';
import { Resources } from '../support/resources';
import { connectSockJs, type SockJsConnection } from '../support/sockjs-client';
import { StompjsSession } from '../support/stomp';
import { pollUntil, until } from '../support/wait';

const skip = redisSkipReason();
const LONG = { timeout: 30_000 };

/** What a receiver got so far, as strings. */
type Received = () => readonly string[];

/**
 * `send(text)` reaches every receiver exactly once: probes first (each node subscribes its bus
 * channels as its sessions come, so early messages may miss), then `once-<tag>` and a fence after
 * it; once every receiver has the fence, a second copy of `once-<tag>` would have come before it.
 */
async function reachesEachOnce(tag: string, send: (text: string) => Promise<void>, receivers: Received[]) {
  let probe = 0;
  await pollUntil(
    async () => {
      await send(`probe-${tag}-${probe++}`);
      return receivers.every((got) => got().some((m) => m.startsWith(`probe-${tag}-`))) ? true : undefined;
    },
    `a probe of ${tag} on every node`,
    10_000,
    100,
  );
  await send(`once-${tag}`);
  await send(`fence-${tag}`);
  for (const [index, got] of receivers.entries()) {
    await until(() => got().includes(`fence-${tag}`), `the fence of ${tag} on receiver ${index + 1}`);
    assert.equal(got().filter((m) => m === `once-${tag}`).length, 1, `${tag}: receiver ${index + 1} got it once`);
  }
}

async function opened(connection: SockJsConnection): Promise<SockJsConnection> {
  await connection.opened;
  return connection;
}

describe('npm start with REDIS_URL: three nodes', { skip }, () => {
  const resources = new Resources();
  let nodes: DemoNode[];

  before(async () => {
    const redis = await startRedis();
    resources.add(redis, (r) => r.stop());
    const redisUrl = `redis://127.0.0.1:${redis.port}`;
    nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => startDemoNode(redisUrl, id, resources)));
  });
  after(() => resources.closeAll());

  test('a /broadcast message sent on any node reaches every node once', LONG, async () => {
    const transports = ['websocket', 'xhr-streaming', 'xhr-polling'] as const;
    const clients = await Promise.all(
      nodes.map((node, i) => opened(connectSockJs(`${node.url}/broadcast`, transports[i] ?? 'websocket', resources))),
    );
    const receivers = clients.map((client) => () => client.messages.items);
    for (const [i, sender] of clients.entries()) {
      await reachesEachOnce(`from-n${i + 1}`, (text) => Promise.resolve(sender.sock.send(text)), receivers);
    }
  });

  test("POST /notify reaches a /secure user's sessions on every node once, and no one else", LONG, async () => {
    const alice = await Promise.all(
      nodes.map(async (node) => {
        const cookie = await loginOn(node, 'alice');
        const headers = { Cookie: cookie };
        const client = connectSockJs(`${node.url}/secure`, 'websocket', resources, {
          transportOptions: { websocket: { headers } },
        });
        assert.equal(await client.message(0), 'hello alice');
        return client;
      }),
    );
    const [first, last] = [nodes[0], nodes[2]] as [DemoNode, DemoNode];
    const bob = connectSockJs(`${last.url}/secure`, 'websocket', resources, {
      transportOptions: { websocket: { headers: { Cookie: await loginOn(last, 'bob') } } },
    });
    assert.equal(await bob.message(0), 'hello bob');
    const notify = async (message: string): Promise<void> => {
      const response = await POST(first.port, '/notify', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: 'alice', message }),
      });
      assert.equal(response.status, 200, response.body);
    };
    await reachesEachOnce(
      'notify',
      notify,
      alice.map((client) => () => client.messages.items),
    );
    assert.deepEqual(bob.messages.items, ['hello bob'], "bob got none of alice's notifications");
  });

  test('POST /publish reaches a STOMP topic subscriber on every node once', LONG, async () => {
    const subscribers = await Promise.all(
      nodes.map(async (node, i) => {
        const subscriber = await StompjsSession.connect(
          { wsUrl: `${node.url.replace('http', 'ws')}/stomp-ws`, sockjsUrl: `${node.url}/stomp` },
          i === 1 ? 'xhr-streaming' : 'ws',
          resources,
        );
        await subscriber.subscribed('/topic/across');
        return subscriber;
      }),
    );
    const publish = async (text: string): Promise<void> => {
      const response = await POST(nodes[0]?.port ?? 0, '/publish', {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ destination: '/topic/across', payload: text }),
      });
      assert.ok(response.status < 300, `POST /publish answered ${response.status} ${response.body}`);
    };
    await reachesEachOnce(
      'publish',
      publish,
      subscribers.map((subscriber) => () => subscriber.messages.items.map((m) => m.body)),
    );
  });
});
