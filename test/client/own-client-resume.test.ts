/**
 * The resume extension (docs/resume.md) end to end: our client against our server with
 * `resumeWindow` on, every connection cut again and again mid-stream (the server destroys every
 * TCP connection it has, without a close frame). Over each transport, every message arrives
 * exactly once and in order, both ways, and the handler sees one session throughout. Then: a
 * session the server no longer has is replaced by a new one (`resumed: false`); without the
 * extension nothing on the wire changes.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { CLIENT_TRANSPORTS, type ClientTransportName } from '../../client';
import { createEndpoint, type SockJsSession } from '../../server';
import { Events } from '../support/events';
import { openOwnSocket, type RecordedSocket } from '../support/own-client';
import { Resources } from '../support/resources';
import { listenTracked } from '../support/servers';

const MESSAGES = 1500;
/** The server cuts every connection each time this many more messages have arrived. */
const CUT_EVERY = 100;
/** Messages the client keeps in flight (sent, not yet echoed). */
const IN_FLIGHT = 25;
const FAST = { minReconnectDelay: 20, maxReconnectDelay: 100, reconnectJitter: 0 } as const;

const resources = new Resources();
after(() => resources.closeAll());

interface CuttingServer {
  url: string;
  received: string[];
  opened: Events<SockJsSession>;
  closed: Events<number>;
  cuts: number;
  stats(): { resumes: number };
  /** Every connection destroyed, with no close frame: a proxy or the network dropping them. */
  cutAll(): void;
  /** Stops listening, every connection destroyed: the server is gone with its sessions. */
  stop(): Promise<void>;
}

/** Echoes `e<n>` and pushes `p<n>` for each `m<n>`; every CUT_EVERY messages it cuts every connection. */
async function cuttingServer(options: { resumeWindow: number; cut?: boolean; port?: number }): Promise<CuttingServer> {
  const sockets = new Set<Socket>();
  const server = createServer();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const received: string[] = [];
  const opened = new Events<SockJsSession>();
  const closed = new Events<number>();
  const endpoint = createEndpoint({
    prefix: '/resume',
    resumeWindow: options.resumeWindow,
    heartbeatDelay: 1000,
    handler: {
      onOpen: (session) => opened.push(session),
      onMessage: (session, message) => {
        received.push(message);
        const n = message.slice(1);
        session.send(`e${n}`);
        session.send(`p${n}`);
        // Not after the last one: the test ends with the client's close, which should find a connection.
        const due = received.length % CUT_EVERY === 0 && received.length < MESSAGES;
        if (options.cut !== false && due) setImmediate(() => state.cutAll());
      },
      onClose: (_session, info) => closed.push(info.code),
    },
  });
  endpoint.attach(server);
  server.on('request', (req, res) => {
    if (!endpoint.handleRequest(req, res)) res.writeHead(404).end();
  });
  const listening = await listenTracked(server, { port: options.port ?? 0 });
  resources.add(listening, (l) => l.close());
  resources.add(endpoint, (e) => e.close());
  const state: CuttingServer = {
    url: `${listening.baseUrl}/resume`,
    received,
    opened,
    closed,
    cuts: 0,
    stop: async () => {
      await listening.close();
      await endpoint.close();
    },
    stats: () => endpoint.stats(),
    cutAll: () => {
      state.cuts++;
      for (const socket of sockets) socket.destroy();
    },
  };
  return state;
}

/** Sends m0…m(count−1), keeping IN_FLIGHT unanswered, and resolves once every echo and push is in. */
async function exchange(client: RecordedSocket, count: number): Promise<void> {
  let sent = 0;
  let echoed = 0;
  const top = (): void => {
    while (sent < count && sent - echoed < IN_FLIGHT) client.socket.send(`m${sent++}`);
  };
  client.socket.addEventListener('message', (event) => {
    if (event.data.startsWith('e')) echoed++;
    top();
  });
  top();
  await client.messages.waitForCount(2 * count, `${2 * count} echoes and pushes`, 60_000);
}

/** Each of `prefix`0…(count−1) exactly once, in order. */
function assertSequence(items: readonly string[], prefix: string, count: number): void {
  const seen = items.filter((item) => item.startsWith(prefix)).map((item) => Number(item.slice(prefix.length)));
  const expected = Array.from({ length: count }, (_, i) => i);
  assert.deepEqual(seen, expected, `${prefix}: ${seen.length} of ${count}, first wrong at ${firstWrong(seen)}`);
}

function firstWrong(seen: readonly number[]): number {
  return seen.findIndex((value, index) => value !== index);
}

describe('the resume extension: connections cut over and over, nothing lost', () => {
  for (const transport of CLIENT_TRANSPORTS) {
    test(`over ${transport}: ${MESSAGES} messages each way, exactly once, in order, one server session`, async () => {
      const server = await cuttingServer({ resumeWindow: 10_000 });
      const client = openOwnSocket(server.url, resources, { transports: [transport], ...FAST });
      await client.opened();
      await exchange(client, MESSAGES);
      assertSequence(server.received, 'm', MESSAGES);
      assertSequence(client.messages.items, 'e', MESSAGES);
      assertSequence(client.messages.items, 'p', MESSAGES);
      assert.ok(server.cuts >= MESSAGES / CUT_EVERY - 1, `${server.cuts} cuts`);
      assert.equal(server.opened.items.length, 1, 'one server session');
      assert.deepEqual(server.closed.items, [], 'never closed meanwhile');
      const resumed = client.events.count((e) => e.type === 'reconnected' && e.resumed);
      assert.ok(resumed >= server.cuts / 2, `${resumed} resumes for ${server.cuts} cuts`);
      assert.equal(
        client.events.count((e) => e.type === 'reconnected' && !e.resumed),
        0,
      );
      process.stdout.write(
        `# ${transport}: ${server.cuts} cuts, ${resumed} resumes, stats ${server.stats().resumes}\n`,
      );
      // Between polls the server has no connection to lose: the client, whose xhr_send was cut, knows.
      if (transport !== 'xhr-polling')
        assert.ok(server.stats().resumes >= server.cuts / 2, `stats: ${server.stats().resumes} resumes`);
      assert.equal(client.socket.readyState, 1);
      client.socket.close();
      await server.closed.waitForCount(1, 'the session closed');
    });
  }
});

describe('the resume extension: when the session cannot be taken up', () => {
  for (const transport of ['websocket', 'xhr-streaming'] as ClientTransportName[]) {
    test(`over ${transport}: the server restarted (the session is gone): a new session, resumed false, unconfirmed sent again`, async () => {
      const first = await cuttingServer({ resumeWindow: 10_000, cut: false });
      const client = openOwnSocket(first.url, resources, { transports: [transport], ...FAST });
      await client.opened();
      client.socket.send('m0');
      await client.messages.waitFor((m) => m === 'e0', 'the echo');
      const port = Number(new URL(first.url).port);
      await first.stop();
      const second = await cuttingServer({ resumeWindow: 10_000, cut: false, port });
      const back = await client.next('reconnected', 15_000);
      assert.equal(back.resumed, false);
      assert.equal(second.opened.items.length, 1);
      const refused = client.events.items.find((e) => e.type === 'reconnecting' && e.code === 2011);
      assert.ok(refused, 'the old session was refused with 2011');
      client.socket.send('m1');
      await client.messages.waitFor((m) => m === 'e1', 'an echo on the new session');
    });
  }

  test('without resumeWindow the server offers nothing and the client runs the standard protocol', async () => {
    const server = await cuttingServer({ resumeWindow: 0, cut: false });
    const info = (await (await fetch(`${server.url}/info`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(info).sort(), ['cookie_needed', 'entropy', 'origins', 'websocket']);
    const client = openOwnSocket(server.url, resources, { transports: ['xhr-polling'], ...FAST });
    await client.opened();
    client.socket.send('m0');
    await client.messages.waitFor((m) => m === 'e0', 'the echo');
    const session = server.opened.items[0] as SockJsSession;
    assert.equal(session.id.length, 8, 'a standard 8-character session id');
  });

  test('with resume: false the client does not ask for it', async () => {
    const server = await cuttingServer({ resumeWindow: 10_000, cut: false });
    const client = openOwnSocket(server.url, resources, { transports: ['websocket'], resume: false, ...FAST });
    await client.opened();
    client.socket.send('m0');
    await client.messages.waitFor((m) => m === 'e0', 'the echo');
    server.cutAll();
    const back = await client.next('reconnected', 10_000);
    assert.equal(back.resumed, false);
    assert.equal(server.opened.items.length, 2);
  });
});
