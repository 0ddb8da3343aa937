/**
 * SIGTERM drains an `npm start` node of a cluster (three nodes on one real redis-server): new
 * sessions are refused at once (503 "Server shutting down.", `Connection: close`, websocket
 * upgrades alike), the node's sessions and users leave the registry in one step while its
 * sessions are still open (another node's `sessionsOf` stops listing them at once, not after
 * `registryTtl`), its sessions then close with 1001 "Going away", the node exits 0, and the others
 * go on broadcasting; a STOMP client reconnects to another node. An xhr-polling session holding a
 * queued message keeps the drain's flush window open (up to the demo's 5 s `flushTimeout`) until
 * the test polls it, so the refusals and the registry are checked while the node is draining, not
 * after it is gone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEndpoint } from '../../server';
import { createRedisBus, type RedisClusterBus } from '../../server/cluster';
import { adminClient } from '../support/cluster';
import { startDemoNode, loginOn, type DemoNode } from '../support/demo-node';
import { RecordingLogger } from '../support/logger';
import { POST } from '../support/raw-http';
import { redisSkipReason, useRedis } from '../support/redis';
import type { Resources } from '../support/resources';
import { newSessionId, sockjsWsPath, wsUrl } from '../support/sockjs';
import { connectSockJs, type NodeClientTransport, type SockJsConnection } from '../support/sockjs-client';
import { wsRefusal } from '../support/ws-client';
import { StompjsSession } from '../support/stomp';
import { XhrPollingSession } from '../support/xhr-polling';
import WebSocket from 'ws';
import { pollUntil, until, withTimeout } from '../support/wait';

const skip = redisSkipReason();
const GOING_AWAY = { code: 1001, reason: 'Going away' };

/** A bus in the test process on the same Redis, joined at `/secure`: another node's view of the registry. */
async function observer(redisUrl: string, resources: Resources): Promise<RedisClusterBus> {
  const bus = createRedisBus({ url: redisUrl, nodeId: 'observer', logger: new RecordingLogger() });
  resources.add(bus, (b) => b.close());
  const endpoint = createEndpoint({ prefix: '/secure', handler: {}, cluster: bus });
  resources.add(endpoint, (e) => e.close({ flushTimeout: 0 }));
  await bus.start();
  return bus;
}

async function open(
  url: string,
  transport: NodeClientTransport,
  resources: Resources,
  cookie?: string,
): Promise<SockJsConnection> {
  const options = cookie ? { transportOptions: { websocket: { headers: { Cookie: cookie } } } } : {};
  const connection = connectSockJs(url, transport, resources, options);
  await connection.opened;
  return connection;
}

async function aliceOn(node: DemoNode, resources: Resources): Promise<SockJsConnection> {
  const alice = await open(`${node.url}/secure`, 'websocket', resources, await loginOn(node, 'alice'));
  assert.equal(await alice.message(0), 'hello alice');
  return alice;
}

/**
 * A stompjs client that reconnects (every 50 ms) and goes to `then` once `first` has closed it,
 * as a load balancer would send it elsewhere; `reconnected` resolves at its second CONNECTED.
 */
async function stompMovingTo(
  first: DemoNode,
  then: DemoNode,
  resources: Resources,
): Promise<{ session: StompjsSession; reconnected: Promise<void> }> {
  let target = first;
  const url = (node: DemoNode): string => `${node.url.replace('http', 'ws')}/stomp-ws`;
  const session = await StompjsSession.connect({ wsUrl: url(first), sockjsUrl: '' }, 'ws', resources, {
    reconnectDelay: 50,
    webSocketFactory: () => new WebSocket(url(target), ['v12.stomp']),
  });
  target = then;
  const reconnected = new Promise<void>((resolve) => {
    session.client.onConnect = () => resolve();
  });
  return { session, reconnected };
}

const nodesOf = async (bus: RedisClusterBus, user: string): Promise<string[]> =>
  (await bus.sessionsOf('/secure', user)).map((s) => s.nodeId).sort();

describe('SIGTERM drains an npm start node of a cluster', { skip }, () => {
  const fixture = useRedis();

  test(
    'refuses new sessions, leaves the registry at once, closes its sessions with 1001, exits 0',
    { timeout: 60_000 },
    async () => {
      const { resources } = fixture;
      const redisUrl = `redis://127.0.0.1:${fixture.redis.port}`;
      const [one, two, three] = (await Promise.all(
        ['d1', 'd2', 'd3'].map((id) => startDemoNode(redisUrl, id, resources)),
      )) as [DemoNode, DemoNode, DemoNode];
      const bus = await observer(redisUrl, resources);
      const redis = await adminClient(redisUrl, resources);

      const aliceOne = await aliceOn(one, resources);
      await aliceOn(two, resources);
      const onOne = [
        await open(`${one.url}/broadcast`, 'websocket', resources),
        await open(`${one.url}/broadcast`, 'xhr-streaming', resources),
      ] as const;
      const [onTwo, onThree] = await Promise.all(
        [two, three].map((node) => open(`${node.url}/broadcast`, 'xhr-streaming', resources)),
      );
      assert.ok(onTwo && onThree);
      const stomp = await stompMovingTo(one, two, resources);
      const polling = new XhrPollingSession(one.port, '/broadcast');
      await polling.open();
      await pollUntil(
        async () => ((await nodesOf(bus, 'alice')).join() === 'd1,d2' ? true : undefined),
        "alice's sessions on d1 and d2 in the registry",
      );
      const pollingKey = `sockjs:/broadcast:session:${polling.id}`;
      assert.equal(await redis.get(pollingKey), 'd1');
      const broadcastNodes = async (): Promise<string[]> =>
        (await redis.zRange('sockjs:/broadcast:nodes', 0, -1)).filter((id) => id !== 'observer').sort();
      assert.deepEqual(await broadcastNodes(), ['d1', 'd2', 'd3']);

      // Queued for the polling session, which does not poll: the drain's flush waits for it.
      onOne[0].sock.send('queued');
      await onOne[0].messages.waitFor((m) => m === 'queued', 'the broadcast on d1');
      let closedYet = false;
      void Promise.race(onOne.map((c) => c.closed)).then(() => (closedYet = true));

      one.child.kill('SIGTERM');
      const sigterm = Date.now();
      await pollUntil(
        async () => ((await nodesOf(bus, 'alice')).join() === 'd2' ? true : undefined),
        "d1 gone from alice's sessions in the registry",
        3_000,
      );
      assert.ok(Date.now() - sigterm < 3_000, 'well before registryTtl (60 s)');
      assert.deepEqual(await bus.users('/secure'), ['alice'], 'alice still has her session on d2');
      // /broadcast on d1 is still flushing (its sessions open): its entries went all at once, first.
      await pollUntil(
        async () => ((await broadcastNodes()).join() === 'd2,d3' ? true : undefined),
        'd1 gone from the /broadcast nodes',
        3_000,
      );
      assert.equal(await redis.exists(pollingKey), 0, "the polling session's key is gone");
      assert.equal(closedYet, false, "d1's /broadcast sessions are still open: the registry was left first");

      const refused = await POST(one.port, `/broadcast/000/${newSessionId()}/xhr`);
      assert.equal(refused.status, 503);
      assert.equal(refused.body, 'Server shutting down.');
      assert.equal(refused.header('connection'), 'close');
      const upgrade = await wsRefusal(wsUrl(one.url, sockjsWsPath('/broadcast')));
      assert.deepEqual(upgrade, { status: 503, body: 'Server shutting down.' });

      // The queued message still leaves during the drain; the poll empties the last queue, so the drain goes on.
      assert.equal(await polling.pollFrame(), 'a["queued"]');
      // (Its next poll races the node's end: the close frame if waiting when the sessions close, else a
      // refusal or a closed connection; so not checked. The streaming clients below get 1001.)
      for (const client of [aliceOne, ...onOne]) {
        const { code, reason } = await withTimeout(client.closed, 'a d1 client closed');
        assert.deepEqual({ code, reason }, GOING_AWAY);
      }
      assert.equal(await withTimeout(one.exited, 'd1 to exit', 10_000), 0, one.stderr());
      // A STOMP session is closed the same way (1001), and stompjs reconnects — to d2 here.
      const stompClose = await stomp.session.closes.waitFor(() => true, 'the STOMP session closed');
      assert.deepEqual(stompClose, GOING_AWAY);
      await withTimeout(stomp.reconnected, 'stompjs to reconnect to d2', 10_000);

      // The rest of the cluster goes on: a broadcast on d2 reaches d3 once (the fence after it proves no second copy).
      onTwo.sock.send('after');
      onTwo.sock.send('fence');
      await onThree.messages.waitFor((m) => m === 'fence', 'the fence on d3');
      assert.deepEqual(
        onThree.messages.items.filter((m) => m === 'after' || m === 'fence'),
        ['after', 'fence'],
      );
      await until(() => onTwo.messages.items.includes('fence'), 'the fence on d2');
    },
  );
});
