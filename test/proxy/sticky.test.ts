/**
 * Sticky routing (demo/proxy/nginx/sticky.conf): three nodes in this process, each answering with
 * its name, behind one real nginx that hashes the server-id segment of session URLs. The
 * unmodified sockjs-client on websocket, xhr-streaming and xhr-polling: every reply of a session
 * from one node, sessions spread over the nodes; raw requests: /info round robin, every server id
 * on one node, a session's request on the wrong node refused; then node-2 killed mid-run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findNginx, renderConfig, startNginx, type NginxProcess } from '../../demo/proxy/nginx';
import { NODE_PREFIX, replyNode, startNode, type TestNode } from '../support/nodes';
import { GET, POST } from '../support/raw-http';
import { Resources } from '../support/resources';
import { connectSockJs, NODE_CLIENT_TRANSPORTS, type SockJsConnection } from '../support/sockjs-client';
import { withTimeout } from '../support/wait';

const nginxBin = findNginx();
const skip = nginxBin
  ? false
  : 'nginx not installed at /usr/sbin/nginx (set NGINX=...; CI installs nginx-light): sticky routing skipped';

/** Bound of a test that opens many sessions (each wait inside has its own, shorter, deadline). */
const LONG = { timeout: 60_000 };

/** The directives of a config, comments dropped. */
function directives(config: string): string {
  return config
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .join('\n');
}

describe('sticky config', () => {
  const active = directives(renderConfig('sticky', { listenPort: 1, upstreamPort: 2, upstreamPorts: [2, 3, 4] }).main);

  test('hashes the server id consistently over every node; streams unbuffered, upgrades passed', () => {
    assert.match(active, /map \$uri \$sockjs_server \{/);
    assert.match(active, /upstream sockjs_nodes \{\nhash \$sockjs_server consistent;/);
    assert.match(active, /server 127\.0\.0\.1:2;\nserver 127\.0\.0\.1:3;\nserver 127\.0\.0\.1:4;\n\}/);
    assert.match(active, /proxy_pass http:\/\/sockjs_nodes;/);
    assert.match(active, /proxy_http_version 1\.1;/);
    assert.match(active, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(active, /proxy_set_header Connection \$connection_upgrade;/);
    assert.match(active, /proxy_buffering off;/);
    assert.match(active, /proxy_request_buffering off;/);
    assert.match(active, /proxy_read_timeout 3600s;/);
    assert.match(active, /proxy_next_upstream error timeout;/);
    assert.doesNotMatch(active, /non_idempotent/);
  });

  test("the map's regex takes the server id of session URLs and nothing else", () => {
    const source = /^~(\S+) \$1;$/m.exec(active)?.[1];
    assert.ok(source, active);
    const serverOf = (path: string): string | undefined => new RegExp(source).exec(path)?.[1];
    assert.equal(serverOf('/echo/123/a1b2c3d4/xhr_streaming'), '123');
    assert.equal(serverOf('/echo/007/x/websocket'), '007');
    assert.equal(serverOf('/echo/007/x/xhr_send/'), '007');
    assert.equal(serverOf('/app/echo/42/s/jsonp'), '42');
    assert.equal(serverOf('/echo/info'), undefined);
    assert.equal(serverOf('/echo/iframe.html'), undefined);
    assert.equal(serverOf('/echo/websocket'), undefined);
    assert.equal(serverOf('/echo'), undefined);
    assert.equal(serverOf('/echo/1.2/s/xhr'), undefined);
  });
});

describe('sticky routing: three nodes behind nginx', { skip }, () => {
  const resources = new Resources();
  after(() => resources.closeAll());
  const nodes: TestNode[] = [];
  let nginx: NginxProcess;
  /** Server ids found on each node by the raw probe. */
  const idsOn = new Map<string, string[]>();

  before(async () => {
    for (const name of ['node-1', 'node-2', 'node-3'])
      nodes.push(resources.add(await startNode(name), (n) => n.close()));
    const ports = nodes.map((node) => node.port);
    const started = await startNginx({
      mode: 'sticky',
      upstreamPort: ports[0] ?? 0,
      upstreamPorts: ports,
      ...(nginxBin ? { bin: nginxBin } : {}),
    });
    nginx = resources.add(started, (n) => n.stop());
  });

  const node = (name: string): TestNode => {
    const found = nodes.find((n) => n.name === name);
    assert.ok(found, name);
    return found;
  };

  test('/info holds no session: it goes round robin', async () => {
    const answered: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await GET(nginx.port, `${NODE_PREFIX}/info`);
      assert.equal(res.status, 200);
      answered.push(res.header('x-node') ?? '?');
    }
    assert.deepEqual(new Set(answered), new Set(['node-1', 'node-2', 'node-3']), answered.join(' '));
  });

  test('each server id stays on one node, the ids spread over all three, the wrong node says 404', LONG, async () => {
    // 60 ids: a node's share of the hash ring is about 1/3 (160 points each), so the chance that
    // one node gets none of them is under 3 * 0.75^60 ≈ 1e-7 even for a share as low as 1/4.
    for (let i = 0; i < 60; i++) {
      const server = String(i).padStart(3, '0');
      const path = `${NODE_PREFIX}/${server}/probe${server}`;
      const open = await POST(nginx.port, `${path}/xhr`);
      assert.equal(open.status, 200);
      assert.equal(open.body, 'o\n');
      const holder = open.header('x-node') ?? '?';
      const sent = await POST(nginx.port, `${path}/xhr_send`, { body: '["ping"]' });
      assert.equal(sent.status, 204, `xhr_send of ${server}`);
      assert.equal(sent.header('x-node'), holder, `server id ${server} moved`);
      idsOn.set(holder, [...(idsOn.get(holder) ?? []), server]);
    }
    assert.deepEqual([...idsOn.keys()].sort(), ['node-1', 'node-2', 'node-3']);
    // Without stickiness: the same request on another node finds no such session.
    const [server] = idsOn.get('node-1') ?? [];
    const wrong = await POST(node('node-2').port, `${NODE_PREFIX}/${server}/probe${server}/xhr_send`, {
      body: '["ping"]',
    });
    assert.equal(wrong.status, 404);
  });

  /** Sends `count` messages one after another, each after the reply to the one before; the nodes that replied. */
  async function roundTrips(connection: SockJsConnection, tag: string, count: number): Promise<string[]> {
    const from = connection.messages.mark();
    const replied: string[] = [];
    for (let k = 0; k < count; k++) {
      const message = `${tag}-m${k}`;
      connection.sock.send(message);
      const reply = await connection.message(from + k, `the reply to ${message}`);
      assert.equal(reply.slice(reply.indexOf(':') + 1), message);
      replied.push(replyNode(reply));
    }
    return replied;
  }

  /** Node of every sockjs-client session of the transport tests. */
  const sessionNodes: string[] = [];
  const ROUND_TRIPS = { websocket: 5, 'xhr-streaming': 5, 'xhr-polling': 20 } as const;

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(`${transport}: 12 sockjs-client sessions, every reply of a session from one node`, LONG, async () => {
      const opened = new Resources();
      try {
        const connections = Array.from({ length: 12 }, () =>
          connectSockJs(`${nginx.url}${NODE_PREFIX}`, transport, opened),
        );
        await Promise.all(connections.map((c) => c.opened));
        for (const c of connections) assert.equal(c.transportAtOpen, transport);
        const replies = await Promise.all(
          connections.map((c, i) => roundTrips(c, `${transport}-${i}`, ROUND_TRIPS[transport])),
        );
        for (const [i, replied] of replies.entries()) {
          assert.equal(new Set(replied).size, 1, `${transport}-${i} moved: ${replied.join(' ')}`);
          sessionNodes.push(replied[0] ?? '?');
        }
        assertEachSessionOnOneNode(nodes);
      } finally {
        await opened.closeAll();
      }
    });
  }

  test('the sessions spread: more than one node used', () => {
    // 36 sessions, each on a node picked by its random server id: all on one node has a
    // probability under 3 * 0.5^36 ≈ 4e-11 even if one node held half the ring.
    assert.equal(sessionNodes.length, 36);
    assert.ok(new Set(sessionNodes).size >= 2, sessionNodes.join(' '));
  });

  test(
    'node-2 killed: only its sessions close, and a new session of its server ids lands elsewhere',
    LONG,
    async () => {
      const opened = new Resources();
      try {
        // A session of each transport on each node, put there by a server id the probe found on it.
        const sessions = nodes.flatMap((n) =>
          NODE_CLIENT_TRANSPORTS.map((transport) => {
            const server = idsOn.get(n.name)?.[0];
            assert.ok(server, n.name);
            const url = `${nginx.url}${NODE_PREFIX}`;
            return { node: n.name, transport, connection: connectSockJs(url, transport, opened, { server }) };
          }),
        );
        await Promise.all(sessions.map((s) => s.connection.opened));
        for (const s of sessions) {
          assert.deepEqual(await roundTrips(s.connection, `before-${s.node}-${s.transport}`, 1), [s.node]);
        }

        await node('node-2').kill();

        const [dead, alive] = partition(sessions, (s) => s.node === 'node-2');
        // As a user would: send. A websocket or a poll ends with the node's connection; an
        // xhr-streaming client in Node does not notice a cut chunked response (its driver waits
        // for an end that never comes), but its send reaches another node, which answers 404.
        for (const s of dead) if (s.connection.sock.readyState === 1) s.connection.sock.send('anyone?');
        const closes = await Promise.all(
          dead.map((s) => withTimeout(s.connection.closed, `${s.transport} on node-2 to close`, 10_000)),
        );
        for (const close of closes) assert.equal(close.code, 1006, close.reason);
        for (const s of alive) {
          assert.deepEqual(await roundTrips(s.connection, `after-${s.node}-${s.transport}`, 3), [
            s.node,
            s.node,
            s.node,
          ]);
        }

        // The clients come back with new sessions on node-2's server ids: nginx's connect to it fails
        // (or it is marked down already) and the request goes to the next node on the ring.
        const server = idsOn.get('node-2')?.[0];
        assert.ok(server);
        for (const transport of NODE_CLIENT_TRANSPORTS) {
          const again = connectSockJs(`${nginx.url}${NODE_PREFIX}`, transport, opened, { server });
          await again.opened;
          const replied = await roundTrips(again, `again-${transport}`, 3);
          assert.equal(new Set(replied).size, 1, replied.join(' '));
          assert.notEqual(replied[0], 'node-2');
        }
      } finally {
        await opened.closeAll();
      }
    },
  );
});

/** No session id was opened twice, or on two nodes: no request of a session reached another node. */
function assertEachSessionOnOneNode(nodes: readonly TestNode[]): void {
  const holders = new Map<string, string[]>();
  for (const n of nodes) for (const id of n.opened) holders.set(id, [...(holders.get(id) ?? []), n.name]);
  for (const [id, on] of holders) assert.equal(on.length, 1, `session ${id} opened on ${on.join(', ')}`);
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
