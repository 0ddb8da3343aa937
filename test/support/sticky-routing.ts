/**
 * The checks of sticky routing by the server-id segment, for any proxy in front of three nodes
 * (test/support/nodes.ts): /info round robin; 60 server ids, each on one node, spread over all
 * three, the wrong node answering 404; the unmodified sockjs-client on websocket, xhr-streaming and
 * xhr-polling, every reply of a session from one node, the sessions spread; then node-2 killed: its
 * sessions close, the others go on, and new sessions of its server ids land elsewhere. Used by
 * test/proxy/sticky.test.ts (nginx) and test/proxy/haproxy.test.ts (HAProxy).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NODE_PREFIX, replyNode, startNode, type TestNode } from './nodes';
import { GET, POST } from './raw-http';
import { Resources } from './resources';
import { connectSockJs, NODE_CLIENT_TRANSPORTS, type SockJsConnection } from './sockjs-client';
import { withTimeout } from './wait';

/** Bound of a test that opens many sessions (each wait inside has its own, shorter, deadline). */
export const LONG = { timeout: 60_000 };

export const NODE_NAMES = ['node-1', 'node-2', 'node-3'] as const;

/** A proxy started in front of the nodes. */
export interface StartedProxy {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the proxy in front of `nodes` (all of them, in this order). */
export type ProxyStarter = (nodes: readonly TestNode[]) => Promise<StartedProxy>;

/** Three nodes of `NODE_NAMES`, released by `resources`. */
export async function startNodes(resources: Resources): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (const name of NODE_NAMES) nodes.push(resources.add(await startNode(name), (n) => n.close()));
  return nodes;
}

export function nodeNamed(nodes: readonly TestNode[], name: string): TestNode {
  const found = nodes.find((n) => n.name === name);
  assert.ok(found, name);
  return found;
}

/** Sends `count` messages one after another, each after the reply to the one before; the nodes that replied. */
export async function roundTrips(connection: SockJsConnection, tag: string, count: number): Promise<string[]> {
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

/** No session id was opened twice, or on two nodes: no request of a session reached another node. */
export function assertEachSessionOnOneNode(nodes: readonly TestNode[]): void {
  const holders = new Map<string, string[]>();
  for (const n of nodes) for (const id of n.opened) holders.set(id, [...(holders.get(id) ?? []), n.name]);
  for (const [id, on] of holders) assert.equal(on.length, 1, `session ${id} opened on ${on.join(', ')}`);
}

export function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

/** Six /info requests: answered by all three nodes (round robin: /info holds no session). */
export async function assertInfoRoundRobin(port: number, headers: Record<string, string> = {}): Promise<void> {
  const answered: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await GET(port, `${NODE_PREFIX}/info`, { headers });
    assert.equal(res.status, 200);
    answered.push(res.header('x-node') ?? '?');
  }
  assert.deepEqual(new Set(answered), new Set(NODE_NAMES), answered.join(' '));
}

/**
 * Opens a session with raw requests (xhr, then an xhr_send) on server id `server`; the node that
 * answered both (asserted to be one). `headers` go with both requests (a cookie). The session id
 * is `probe<server>` unless given: a second probe of one server id needs another.
 */
export async function probeServerId(
  port: number,
  server: string,
  headers: Record<string, string> = {},
  session = `probe${server}`,
): Promise<string> {
  const path = `${NODE_PREFIX}/${server}/${session}`;
  const open = await POST(port, `${path}/xhr`, { headers });
  assert.equal(open.status, 200);
  assert.equal(open.body, 'o\n', `${path}/xhr opens a new session`);
  const holder = open.header('x-node') ?? '?';
  const sent = await POST(port, `${path}/xhr_send`, { body: '["ping"]', headers });
  assert.equal(sent.status, 204, `xhr_send of ${server}`);
  assert.equal(sent.header('x-node'), holder, `server id ${server} moved`);
  return holder;
}

/** The whole suite, in a describe block named `title`, against the proxy `start` starts. */
export function describeServerIdRouting(title: string, skip: string | false, start: ProxyStarter): void {
  describe(title, { skip }, () => {
    const resources = new Resources();
    after(() => resources.closeAll());
    let nodes: TestNode[] = [];
    let proxy: StartedProxy;
    /** Server ids found on each node by the raw probe. */
    const idsOn = new Map<string, string[]>();

    before(async () => {
      nodes = await startNodes(resources);
      proxy = resources.add(await start(nodes), (p) => p.stop());
    });

    test('/info holds no session: it goes round robin', () => assertInfoRoundRobin(proxy.port));

    test('each server id stays on one node, the ids spread over all three, the wrong node says 404', LONG, async () => {
      // 60 ids: a node's share of the hash ring is about 1/3, so the chance that one node gets none
      // of them is under 3 * 0.75^60 ≈ 1e-7 even for a share as low as 1/4.
      for (let i = 0; i < 60; i++) {
        const server = String(i).padStart(3, '0');
        const holder = await probeServerId(proxy.port, server);
        idsOn.set(holder, [...(idsOn.get(holder) ?? []), server]);
      }
      assert.deepEqual([...idsOn.keys()].sort(), [...NODE_NAMES]);
      // Without stickiness: the same request on another node finds no such session.
      const [server] = idsOn.get('node-1') ?? [];
      const wrong = await POST(nodeNamed(nodes, 'node-2').port, `${NODE_PREFIX}/${server}/probe${server}/xhr_send`, {
        body: '["ping"]',
      });
      assert.equal(wrong.status, 404);
    });

    /** Node of every sockjs-client session of the transport tests. */
    const sessionNodes: string[] = [];
    const ROUND_TRIPS = { websocket: 5, 'xhr-streaming': 5, 'xhr-polling': 20 } as const;

    for (const transport of NODE_CLIENT_TRANSPORTS) {
      test(`${transport}: 12 sockjs-client sessions, every reply of a session from one node`, LONG, async () => {
        const opened = new Resources();
        try {
          const connections = Array.from({ length: 12 }, () =>
            connectSockJs(`${proxy.url}${NODE_PREFIX}`, transport, opened),
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
          await killNodeUnderSessions(proxy, nodes, idsOn, opened);
        } finally {
          await opened.closeAll();
        }
      },
    );
  });
}

async function killNodeUnderSessions(
  proxy: StartedProxy,
  nodes: readonly TestNode[],
  idsOn: ReadonlyMap<string, string[]>,
  opened: Resources,
): Promise<void> {
  // A session of each transport on each node, put there by a server id the probe found on it.
  const sessions = nodes.flatMap((n) =>
    NODE_CLIENT_TRANSPORTS.map((transport) => {
      const server = idsOn.get(n.name)?.[0];
      assert.ok(server, n.name);
      const url = `${proxy.url}${NODE_PREFIX}`;
      return { node: n.name, transport, connection: connectSockJs(url, transport, opened, { server }) };
    }),
  );
  await Promise.all(sessions.map((s) => s.connection.opened));
  for (const s of sessions) {
    assert.deepEqual(await roundTrips(s.connection, `before-${s.node}-${s.transport}`, 1), [s.node]);
  }

  await nodeNamed(nodes, 'node-2').kill();

  const [dead, alive] = partition(sessions, (s) => s.node === 'node-2');
  // As a user would: send. A websocket or a poll ends with the node's connection; an xhr-streaming
  // client in Node does not notice a cut chunked response (its driver waits for an end that never
  // comes), but its send reaches another node, which answers 404.
  for (const s of dead) if (s.connection.sock.readyState === 1) s.connection.sock.send('anyone?');
  const closes = await Promise.all(
    dead.map((s) => withTimeout(s.connection.closed, `${s.transport} on node-2 to close`, 10_000)),
  );
  for (const close of closes) assert.equal(close.code, 1006, close.reason);
  for (const s of alive) {
    assert.deepEqual(await roundTrips(s.connection, `after-${s.node}-${s.transport}`, 3), [s.node, s.node, s.node]);
  }

  // The clients come back with new sessions on node-2's server ids: the proxy's connect to it fails
  // (or it is marked down already) and the request goes to another node.
  const server = idsOn.get('node-2')?.[0];
  assert.ok(server);
  for (const transport of NODE_CLIENT_TRANSPORTS) {
    const again = connectSockJs(`${proxy.url}${NODE_PREFIX}`, transport, opened, { server });
    await again.opened;
    const replied = await roundTrips(again, `again-${transport}`, 3);
    assert.equal(new Set(replied).size, 1, replied.join(' '));
    assert.notEqual(replied[0], 'node-2');
  }
}
