/**
 * `npm start` with `REDIS_URL` keeps the demo's logins in Redis: behind a load balancer `POST /login`
 * may reach one node and the `/secure` session another. Two demo nodes on a real redis-server: a
 * login on node 1 opens `/secure` on node 2 as that user, `POST /notify` on node 1 reaches it, and a
 * logout on node 2 holds on node 1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginOn, startDemoNode, type DemoNode } from '../support/demo-node';
import { POST } from '../support/raw-http';
import { redisSkipReason, startRedis } from '../support/redis';
import { Resources } from '../support/resources';
import { sockjsWsPath, wsUrl } from '../support/sockjs';
import { WsClient, wsRefusal } from '../support/ws-client';

const skip = redisSkipReason();

describe('npm start with REDIS_URL: logins shared by the nodes', { skip }, () => {
  const resources = new Resources();
  let nodes: DemoNode[];

  before(async () => {
    const redis = await startRedis();
    resources.add(redis, (r) => r.stop());
    const url = `redis://127.0.0.1:${redis.port}`;
    nodes = await Promise.all(['login-1', 'login-2'].map((id) => startDemoNode(url, id, resources)));
  });
  after(() => resources.closeAll());

  test('a login on node 1 holds on node 2, and so does a logout on node 2', { timeout: 30_000 }, async () => {
    const [one, two] = nodes as [DemoNode, DemoNode];
    const cookie = await loginOn(one, 'alice');
    const secure = resources.add(
      await WsClient.open(wsUrl(two.url, sockjsWsPath('/secure')), { headers: { Cookie: cookie } }),
      (c) => c.close(),
    );
    assert.equal(await secure.message(0), 'o');
    assert.equal(await secure.message(1), 'a["hello alice"]', 'node 2 knows the login made on node 1');
    const notified = await POST(one.port, '/notify', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: 'alice', message: 'from node 1' }),
    });
    assert.equal(notified.status, 200);
    assert.equal(
      await secure.message(2),
      'a["from node 1"]',
      "POST /notify on node 1 reaches alice's session on node 2",
    );

    const logout = await POST(two.port, '/logout', { headers: { Cookie: cookie } });
    assert.equal(logout.status, 204);
    const refused = await wsRefusal(wsUrl(one.url, sockjsWsPath('/secure')), { headers: { Cookie: cookie } });
    assert.equal(refused.status, 401, 'logged out on node 2: refused on node 1');
  });
});
