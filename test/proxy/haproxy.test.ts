/**
 * HAProxy in front of three nodes (test/support/nodes.ts), with the configs of
 * demo/proxy/haproxy/: sticky-server-id.cfg gets the checks nginx's sticky.conf gets
 * (test/support/sticky-routing.ts: /info round robin, server ids on one node each, sockjs-client on
 * every Node transport, a node killed); sticky-cookie.cfg pins a client that carries HAProxy's
 * cookie back (raw requests and a websocket, with a cookie jar), and moves it, with a new cookie,
 * when its node dies (`option redispatch`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DEFAULT_HAPROXY,
  findHaproxy,
  renderHaproxyConfig,
  startHaproxy,
  type HaproxyMode,
} from '../../demo/proxy/haproxy';
import { CookieClient, setCookiesOf } from '../support/cookie-client';
import { NODE_PREFIX, type TestNode } from '../support/nodes';
import { Resources } from '../support/resources';
import {
  NODE_NAMES,
  assertInfoRoundRobin,
  describeServerIdRouting,
  nodeNamed,
  probeServerId,
  startNodes,
  type StartedProxy,
} from '../support/sticky-routing';
import { WsClient } from '../support/ws-client';
import { directives } from '../support/config-text';

const haproxyBin = findHaproxy();
const skip = haproxyBin
  ? false
  : `haproxy not found at ${process.env.HAPROXY ?? DEFAULT_HAPROXY} (set HAPROXY=...; CI installs it): HAProxy sticky routing skipped`;
const bin = haproxyBin ? { bin: haproxyBin } : {};
const MODES: HaproxyMode[] = ['sticky-server-id', 'sticky-cookie'];
const NODES = NODE_NAMES.map((name, i) => ({ name, port: 9001 + i }));

describe('haproxy configs', () => {
  test('sticky-server-id hashes the server id consistently; a failed connect marks down and redispatches', () => {
    const active = directives(renderHaproxyConfig('sticky-server-id', { listenPort: 8000, nodes: NODES }));
    assert.match(active, /^bind 127\.0\.0\.1:8000$/m);
    assert.match(
      active,
      /^http-request set-var\(txn\.sockjs_server\) path,regsub\(\/\$,\),field\(-3,\/\) if sockjs_session$/m,
    );
    assert.match(active, /^balance hash var\(txn\.sockjs_server\)\nhash-type consistent$/m);
    assert.match(active, /^option redispatch 1$/m);
    assert.match(active, /^default-server observe layer4 error-limit 1 on-error mark-down$/m);
    assert.match(
      active,
      /^server node-1 127\.0\.0\.1:9001 check inter 2s\nserver node-2 127\.0\.0\.1:9002 check inter 2s\n/m,
    );
    assert.doesNotMatch(active, /cookie|retry-on|daemon|pidfile|chroot|stats socket|http-buffer-request/);
  });

  test('sticky-cookie inserts SERVERID naming each node, round robin without it', () => {
    const active = directives(renderHaproxyConfig('sticky-cookie', { listenPort: 8000, nodes: NODES }));
    assert.match(active, /^balance roundrobin$/m);
    assert.match(active, /^cookie SERVERID insert indirect nocache httponly$/m);
    assert.match(active, /^option redispatch 1$/m);
    assert.match(active, /^server node-3 127\.0\.0\.1:9003 check inter 2s cookie node-3$/m);
    assert.doesNotMatch(active, /retry-on|daemon|pidfile|chroot|stats socket|http-buffer-request/);
  });

  test('the session regex of sticky-server-id matches session URLs and nothing else', () => {
    const active = directives(renderHaproxyConfig('sticky-server-id', { listenPort: 8000, nodes: NODES }));
    const source = /^acl sockjs_session path_reg (\S+)$/m.exec(active)?.[1];
    assert.ok(source, active);
    const session = new RegExp(source);
    for (const path of [
      '/echo/123/a1/xhr_streaming',
      '/echo/007/x/websocket',
      '/echo/007/x/xhr_send/',
      '/app/echo/42/s/jsonp',
    ])
      assert.ok(session.test(path), path);
    for (const path of ['/echo/info', '/echo/iframe.html', '/echo/websocket', '/echo', '/echo/1.2/s/xhr'])
      assert.ok(!session.test(path), path);
  });

  test('haproxy -c accepts every rendered config', { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockjs-haproxy-check-'));
    try {
      for (const mode of MODES) {
        const file = join(dir, `${mode}.cfg`);
        writeFileSync(file, renderHaproxyConfig(mode, { listenPort: 8000, nodes: NODES }));
        const checked = spawnSync(haproxyBin ?? 'haproxy', ['-c', '-f', file], { encoding: 'utf8' });
        assert.equal(checked.status, 0, `${mode}: ${checked.stdout}${checked.stderr}`);
        // No warning either: a directive HAProxy ignores would be a line that does not do what it says.
        assert.doesNotMatch(checked.stdout + checked.stderr, /WARNING|ALERT/, mode);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeServerIdRouting('sticky routing: three nodes behind HAProxy (server id)', skip, (nodes) =>
  startHaproxy({ mode: 'sticky-server-id', nodes, ...bin }),
);

describe('sticky routing: three nodes behind HAProxy (inserted cookie)', { skip }, () => {
  const resources = new Resources();
  after(() => resources.closeAll());
  let nodes: TestNode[] = [];
  let proxy: StartedProxy;
  /** One client pinned to each node, by the node's name. */
  const pinned = new Map<string, CookieClient>();

  before(async () => {
    nodes = await startNodes(resources);
    proxy = resources.add(await startHaproxy({ mode: 'sticky-cookie', nodes, ...bin }), (p) => p.stop());
  });

  test('a client without the cookie goes round robin; each response sets SERVERID naming its node', async () => {
    await assertInfoRoundRobin(proxy.port);
    for (let i = 0; i < 3; i++) {
      const client = new CookieClient(proxy.port);
      const info = await client.GET(`${NODE_PREFIX}/info`);
      const node = info.header('x-node') ?? '?';
      assert.deepEqual(setCookiesOf(info), [`SERVERID=${node}; path=/; HttpOnly`]);
      // nocache: a response that sets the cookie must not be cached for others.
      assert.match(info.header('cache-control') ?? '', /no-cache|private/);
      pinned.set(node, client);
    }
    assert.deepEqual([...pinned.keys()].sort(), [...NODE_NAMES]);
  });

  test('a client that carries it back stays on its node: sessions of many server ids, a websocket', async () => {
    for (const [node, client] of pinned) {
      for (let i = 0; i < 10; i++) {
        assert.equal(await probeServerId(proxy.port, `${i}00`, client.headers(), `pin-${node}-${i}`), node);
      }
      const again = await client.GET(`${NODE_PREFIX}/info`);
      assert.equal(again.header('x-node'), node);
      // indirect: the node never sees the cookie, and HAProxy sets it only when it is wrong.
      assert.deepEqual(setCookiesOf(again), []);
      const ws = await WsClient.open(`ws://127.0.0.1:${proxy.port}${NODE_PREFIX}/900/ws-${node}/websocket`, {
        headers: client.headers(),
      });
      try {
        assert.equal(await ws.next('the open frame'), 'o');
        ws.send('["hello"]');
        assert.equal(await ws.next('the reply'), `a["${node}:hello"]`);
      } finally {
        await ws.close();
      }
    }
    for (const n of nodes) assert.equal(n.received.filter((r) => r.endsWith(' ping')).length, 10, n.name);
  });

  test('its node killed: the client is redispatched with a new cookie, and stays on the new node', async () => {
    const client = pinned.get('node-2');
    assert.ok(client);
    const ws = await WsClient.open(`ws://127.0.0.1:${proxy.port}${NODE_PREFIX}/901/ws-kill/websocket`, {
      headers: client.headers(),
    });
    assert.equal(await ws.next('the open frame'), 'o');
    await nodeNamed(nodes, 'node-2').kill();
    // The websocket ended with the node (no close frame: the connection was cut).
    assert.equal((await ws.waitForClose()).code, 1006);

    const moved = await client.GET(`${NODE_PREFIX}/info`);
    assert.equal(moved.status, 200);
    const now = moved.header('x-node') ?? '?';
    assert.ok(now === 'node-1' || now === 'node-3', now);
    assert.equal(client.cookie('SERVERID'), now);
    for (let i = 0; i < 5; i++)
      assert.equal(await probeServerId(proxy.port, `${i}00`, client.headers(), `moved-${i}`), now);
    // The other clients stay where they were; new ones go round robin over the live nodes.
    for (const node of ['node-1', 'node-3'])
      assert.equal((await pinned.get(node)?.GET(`${NODE_PREFIX}/info`))?.header('x-node'), node);
    const fresh: string[] = [];
    for (let i = 0; i < 4; i++)
      fresh.push((await new CookieClient(proxy.port).GET(`${NODE_PREFIX}/info`)).header('x-node') ?? '?');
    assert.deepEqual(new Set(fresh), new Set(['node-1', 'node-3']), fresh.join(' '));
  });
});
