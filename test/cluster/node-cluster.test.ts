/**
 * `WORKERS=3 npm start` with REDIS_URL: the sticky primary and three workers of the normal demo
 * server, on a real redis-server. Which worker holds a session is read from the cluster bus's
 * registry (`sockjs:/echo:session:{id}` → the worker's node id), and the server ids are picked per
 * worker with the primary's own hash. sockjs-client sessions stay on their worker on every
 * transport; keep-alive connections never carry a request to the wrong worker; a broadcast reaches
 * every worker's sessions once; a killed worker loses only its sessions; SIGTERM ends everything.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pickWorker } from '../../server/cluster/sticky-route';
import { adminClient, type AdminClient } from '../support/cluster';
import { DemoCluster, serverIdsBySlot, SLOTS, type Slot } from '../support/node-cluster';
import { redisSkipReason, useRedis } from '../support/redis';
import { Resources } from '../support/resources';
import {
  connectSockJs,
  NODE_CLIENT_TRANSPORTS,
  type NodeClientTransport,
  type SockJsConnection,
} from '../support/sockjs-client';
import { pollUntil, withTimeout } from '../support/wait';

const skip = redisSkipReason();
const NODE_ID = 'nc';
/** Long enough that sessions opened right after a kill see the dead worker's slot empty. */
const RESPAWN_DELAY_MS = 4000;

interface Opened {
  readonly connection: SockJsConnection;
  readonly server: string;
  readonly session: string;
  /** The registry key naming the worker that holds the session. */
  readonly key: string;
}

describe('WORKERS=3 npm start (node:cluster, sticky)', { skip }, () => {
  const fixture = useRedis();
  const shared = new Resources();
  let cluster: DemoCluster;
  let admin: AdminClient;
  const bySlot = serverIdsBySlot();
  let counter = 0;

  before(async () => {
    const env = { WORKERS: '3', REDIS_URL: fixture.redis.url, WORKER_RESPAWN_DELAY: String(RESPAWN_DELAY_MS) };
    cluster = await DemoCluster.start(env, NODE_ID, shared);
    admin = await adminClient(fixture.redis.url, shared);
  });
  after(() => shared.closeAll());

  let websocketOpens: Promise<unknown> = Promise.resolve();

  /**
   * Opens a sockjs-client session with this server id, once open, with its registry key. An HTTP
   * session's id is the one in its URLs; a websocket session gets a server-made id, so websocket
   * sessions open one at a time and take the one new key their open wrote.
   */
  async function open(
    prefix: string,
    transport: NodeClientTransport,
    server: string,
    resources: Resources,
  ): Promise<Opened> {
    const session = `s${counter++}x${transport.replace('-', '')}`;
    const start = (): SockJsConnection =>
      connectSockJs(`${cluster.baseUrl}${prefix}`, transport, resources, { server, sessionId: () => session });
    if (transport !== 'websocket') {
      const connection = start();
      await connection.opened;
      return { connection, server, session, key: `sockjs:${prefix}:session:${session}` };
    }
    const opening = websocketOpens.then(async () => {
      const known = new Set(await admin.keys(`sockjs:${prefix}:session:*`));
      const connection = start();
      await connection.opened;
      const key = await pollUntil(
        async () =>
          (await admin.keys(`sockjs:${prefix}:session:*`)).find(
            (k) => !known.has(k) && !/:session:(s\d+x|ka-)/.test(k),
          ),
        `the registry entry of websocket session ${session}`,
      );
      return { connection, server, session, key };
    });
    websocketOpens = opening.catch(() => undefined);
    return opening;
  }

  /** The node id of the worker holding a session, once its registry entry is written. */
  function holder(opened: Pick<Opened, 'key'>): Promise<string> {
    return pollUntil(async () => (await admin.get(opened.key)) ?? undefined, `the registry entry ${opened.key}`, 5000);
  }

  async function echoes(opened: Opened, count: number): Promise<void> {
    const from = opened.connection.messages.mark();
    for (let i = 0; i < count; i++) {
      opened.connection.sock.send(`${opened.session}-${i}`);
      await opened.connection.messages.waitFor(
        (m) => m === `${opened.session}-${i}`,
        `echo ${i} of ${opened.session}`,
        5000,
        from,
      );
    }
  }

  test(
    'every session stays on the worker its server id hashes to, on every transport',
    { timeout: 60_000 },
    async () => {
      const { resources } = fixture;
      // 12 server ids, 4 per worker, each used by a session of every transport.
      const servers = SLOTS.flatMap((slot) => (bySlot.get(slot) ?? []).slice(0, 4));
      const websockets: Opened[] = [];
      for (const server of servers) websockets.push(await open('/echo', 'websocket', server, resources));
      const others = await Promise.all(
        (['xhr-streaming', 'xhr-polling'] as const).flatMap((transport) =>
          servers.map((server) => open('/echo', transport, server, resources)),
        ),
      );
      const sessions = [...websockets, ...others];
      const before = await Promise.all(sessions.map((s) => holder(s)));
      await Promise.all(sessions.map((s) => echoes(s, s.connection.transportAtOpen === 'xhr-polling' ? 12 : 4)));
      const afterwards = await Promise.all(sessions.map((s) => holder(s)));
      for (const [i, s] of sessions.entries()) {
        const expected = `${NODE_ID}-${pickWorker(s.server, SLOTS) ?? ''}`;
        assert.equal(before[i], expected, `${s.session} (server ${s.server}) opened on its worker`);
        assert.equal(afterwards[i], expected, `${s.session} still there: no request opened it again elsewhere`);
      }
      assert.deepEqual(new Set(before), new Set(SLOTS.map((slot) => `${NODE_ID}-${slot}`)), 'all three workers used');
      for (const s of sessions) assert.equal(await peek(s.connection.closed), 'open', `${s.session} not closed`);
    },
  );

  test(
    "keep-alive agents interleaving two workers' sessions: every request on its own worker",
    { timeout: 60_000 },
    async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      fixture.resources.add(agent, (a) => a.destroy());
      const [a, b] = [bySlot.get('w0')?.[10], bySlot.get('w1')?.[10]];
      assert.ok(a && b);
      const sa = `ka-${a}`;
      const sb = `ka-${b}`;
      const post = (server: string, session: string, transport: string, body?: string) =>
        httpPost(agent, `${cluster.baseUrl}/echo/${server}/${session}/${transport}`, body);
      const sockets = new Set<unknown>();
      const check = (reply: Reply, status: number, body: string | RegExp, what: string): void => {
        sockets.add(reply.socket);
        assert.equal(reply.status, status, what);
        assert.equal(reply.reused, false, `${what}: a fresh connection`);
        assert.equal(reply.connection, 'close', `${what}: Connection: close`);
        if (typeof body === 'string') assert.equal(reply.body, body, what);
        else assert.match(reply.body, body, what);
      };
      check(await post(a, sa, 'xhr'), 200, 'o\n', 'open A');
      check(await post(b, sb, 'xhr'), 200, 'o\n', 'open B');
      const rounds = 25;
      for (let r = 0; r < rounds; r++) {
        check(await post(a, sa, 'xhr_send', JSON.stringify([`a${r}`])), 204, '', `send A ${r}`);
        check(await post(b, sb, 'xhr_send', JSON.stringify([`b${r}`])), 204, '', `send B ${r}`);
        check(await post(a, sa, 'xhr'), 200, `a${JSON.stringify([`a${r}`])}\n`, `poll A ${r}`);
        check(await post(b, sb, 'xhr'), 200, `a${JSON.stringify([`b${r}`])}\n`, `poll B ${r}`);
      }
      assert.equal(sockets.size, 2 + rounds * 4, 'one connection per request');
      assert.equal(await holder({ key: `sockjs:/echo:session:${sa}` }), `${NODE_ID}-w0`);
      assert.equal(await holder({ key: `sockjs:/echo:session:${sb}` }), `${NODE_ID}-w1`);

      // A request pipelined behind A's on one connection would reach A's worker: it is refused there (503).
      const raw = await rawExchange(
        cluster.baseUrl,
        `POST /echo/${a}/${sa}/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\n["a-p1"]` +
          `POST /echo/${b}/${sb}/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\n["b-p2"]`,
      );
      assert.match(raw, /^HTTP\/1\.1 204 /, 'the first served');
      assert.doesNotMatch(
        raw.slice(12),
        /HTTP\/1\.1 204 /,
        'the pipelined one not served (503, or the connection closed)',
      );
      check(await post(b, sb, 'xhr_send', '["b-last"]'), 204, '', 'send B after');
      check(await post(b, sb, 'xhr'), 200, 'a["b-last"]\n', 'B got only what reached its worker');
      check(await post(a, sa, 'xhr'), 200, 'a["a-p1"]\n', 'A got its own');
    },
  );

  test('a /broadcast reaches the sessions of every worker, each message once', { timeout: 60_000 }, async () => {
    const { resources } = fixture;
    const sessions = await Promise.all(
      SLOTS.flatMap((slot, i) =>
        [0, 1].map((k) =>
          open(
            '/broadcast',
            NODE_CLIENT_TRANSPORTS[(i + k) % 3] ?? 'websocket',
            bySlot.get(slot)?.[20 + k] ?? '',
            resources,
          ),
        ),
      ),
    );
    const holders = await Promise.all(sessions.map((s) => holder(s)));
    assert.deepEqual(new Set(holders).size, 3, 'sessions on the three workers');
    // Until every worker listens to the broadcast channel a message may be missed: probe until all see one.
    let probe = 0;
    await pollUntil(
      () => {
        sessions[0]?.connection.sock.send(`probe-${probe++}`);
        return sessions.every((s) => s.connection.messages.items.some((m) => m.startsWith('probe-')))
          ? true
          : undefined;
      },
      'a probe to reach every worker',
      10_000,
      100,
    );
    const marks = sessions.map((s) => s.connection.messages.mark());
    for (const [i, s] of sessions.entries()) s.connection.sock.send(`m${i}`);
    const expected = sessions.map((_s, i) => `m${i}`).sort();
    for (const [i, s] of sessions.entries()) {
      const got = (): string[] => s.connection.messages.items.slice(marks[i]).filter((m) => /^m\d+$/.test(m));
      await pollUntil(
        () => (got().length >= expected.length ? true : undefined),
        `all broadcasts at ${s.session}`,
        10_000,
      );
      assert.deepEqual(got().sort(), expected, `${s.session} (${holders[i] ?? ''}): each broadcast once`);
    }
  });

  test(
    'a worker killed: only its sessions close; new sessions open on the others, then on its replacement',
    { timeout: 60_000 },
    async () => {
      const { resources } = fixture;
      const sessions = new Map<Slot, Opened[]>();
      for (const slot of SLOTS) {
        const opened = NODE_CLIENT_TRANSPORTS.map((t, k) =>
          open('/echo', t, bySlot.get(slot)?.[30 + k] ?? '', resources),
        );
        sessions.set(slot, await Promise.all(opened));
      }
      const all = [...sessions.values()].flat();
      await Promise.all(all.map((s) => echoes(s, 1)));
      const pid = cluster.initialPids().get('w1');
      assert.ok(pid, 'w1 pid');
      process.kill(pid, 'SIGKILL');
      // Every session of w1 is lost. A websocket or a pending poll sees its connection end (1006).
      // sockjs-client's xhr-streaming in Node does not notice a stream cut short: it learns it on its
      // next send (answered 404 by another worker, or cut as well if it still reached the dying one).
      // Should it reopen its stream instead, that reaches another worker, which opens a new session
      // with the same id (as any SockJS server would; w1's state gone): the registry then names it.
      for (const s of sessions.get('w1') ?? []) {
        if (s.connection.transportAtOpen === 'xhr-streaming') s.connection.sock.send('after the kill');
      }
      const lost = (sessions.get('w1') ?? []).map(async (s) => {
        if (s.connection.transportAtOpen !== 'xhr-streaming') return (await s.connection.closed).code;
        return pollUntil(
          async () => {
            if ((await peek(s.connection.closed)) === 'closed') return (await s.connection.closed).code;
            return (await holder(s)) === `${NODE_ID}-w1` ? undefined : 1006;
          },
          `${s.session}'s session on w1 to be gone`,
          15_000,
          50,
        );
      });
      const codes = await withTimeout(Promise.all(lost), 'w1 sessions to be lost', 20_000);
      assert.deepEqual(codes, [1006, 1006, 1006]);
      for (const slot of ['w0', 'w2'] as const) {
        for (const s of sessions.get(slot) ?? []) {
          await echoes(s, 1);
          assert.equal(await peek(s.connection.closed), 'open', `${s.session} on ${slot} still open`);
        }
      }
      // Server ids of w1, while its slot is empty: on w0 or w2, as the hash over those two says.
      const orphans: Opened[] = [];
      for (const [k, t] of NODE_CLIENT_TRANSPORTS.entries()) {
        orphans.push(await open('/echo', t, bySlot.get('w1')?.[40 + k] ?? '', resources));
      }
      for (const s of orphans) {
        await echoes(s, 3);
        assert.equal(await holder(s), `${NODE_ID}-${pickWorker(s.server, ['w0', 'w2']) ?? ''}`, `${s.session}`);
      }
      // The replacement takes slot w1 and its server ids back.
      await pollUntil(() => (cluster.joinedAs('w1') >= 2 ? true : undefined), 'a replacement for w1', 20_000, 50);
      const server = bySlot.get('w1')?.[50] ?? '';
      await pollUntil(
        async () => {
          const probe = await open('/echo', 'xhr-streaming', server, resources);
          const node = await holder(probe);
          probe.connection.sock.close();
          return node === `${NODE_ID}-w1` ? true : undefined;
        },
        'a new session with a w1 server id on the replacement',
        10_000,
        100,
      );
    },
  );

  test('SIGTERM to the primary: it and every worker exit, code 0, within 15 s', { timeout: 30_000 }, async () => {
    const { resources } = fixture;
    const sessions = await Promise.all(
      SLOTS.map((slot, i) =>
        open('/echo', NODE_CLIENT_TRANSPORTS[i] ?? 'websocket', bySlot.get(slot)?.[60] ?? '', resources),
      ),
    );
    const pids = cluster.allWorkerPids();
    assert.ok(pids.length >= 4, `three workers and w1's replacement: ${pids.join(', ')}`);
    cluster.child.kill('SIGTERM');
    const exit = await withTimeout(cluster.exited, 'the primary to exit', 15_000);
    assert.deepEqual(exit, { code: 0, signal: null }, cluster.errors());
    for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} gone`);
    await withTimeout(Promise.all(sessions.map((s) => s.connection.closed)), 'the sessions to close', 5000);
  });
});

test('WORKERS=2 without REDIS_URL: refused at start, saying REDIS_URL is needed', { timeout: 20_000 }, async () => {
  const resources = new Resources();
  try {
    const refused = DemoCluster.start({ WORKERS: '2', REDIS_URL: '' }, 'nr', resources);
    await assert.rejects(refused, /exited \(1\) before listening: WORKERS=2 needs REDIS_URL/);
  } finally {
    await resources.closeAll();
  }
});

/** 'open' while `closed` has not settled (checked after the pending callbacks have run). */
async function peek(closed: Promise<unknown>): Promise<'open' | 'closed'> {
  return Promise.race([
    closed.then(() => 'closed' as const),
    new Promise<'open'>((resolve) => setImmediate(() => resolve('open'))),
  ]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly connection: string | undefined;
  readonly reused: boolean;
  readonly socket: unknown;
}

function httpPost(agent: Agent, url: string, body?: string): Promise<Reply> {
  return withTimeout(
    new Promise<Reply>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'text/plain' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            connection: res.headers.connection,
            reused: req.reusedSocket,
            socket: req.socket,
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    }),
    `POST ${url}`,
  );
}

/** Writes `bytes` on one connection; resolves with everything read until the server closes it. */
function rawExchange(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.write(bytes);
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once('close', () => resolve(answer));
      socket.once('error', reject);
    }),
    'the pipelined exchange',
  );
}
