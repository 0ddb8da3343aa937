/**
 * Reconnect: the server restarts on the same port and our client comes back on a new session, with
 * `reconnecting` / `reconnected` events, what was sent meanwhile flushed in order; the queue's bounds
 * refuse with ERR_CLIENT_QUEUE_FULL; attempts are bounded; `online` starts the pending attempt at once.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import express from 'express';
import { CLIENT_TRANSPORTS } from '../../client';
import { createEndpoint } from '../../server';
import { Events } from '../support/events';
import { openOwnSocket } from '../support/own-client';
import { Resources } from '../support/resources';
import { listenTracked } from '../support/servers';

/** An echo server on `port` (0: a free one) that records the ids of the sessions it opens. */
async function echoServer(port = 0) {
  const app = express();
  const server = createServer(app);
  const sessions = new Events<string>();
  const endpoint = createEndpoint({
    prefix: '/echo',
    handler: { onOpen: (s) => sessions.push(s.id), onMessage: (s, m) => s.send(m) },
  });
  app.use(endpoint.prefix, endpoint.middleware);
  endpoint.attach(server);
  const listening = await listenTracked(server, { port });
  return {
    port: listening.port,
    url: `${listening.baseUrl}/echo`,
    sessions,
    /** Abrupt: every connection is cut, no close frame (a crash, a network loss). */
    crash: async () => {
      await listening.close();
      await endpoint.close();
    },
    /** Graceful: the endpoint sends 1001 "Going away" to every session, then the server stops. */
    shutDown: async () => {
      await endpoint.close();
      await listening.close();
    },
  };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const listening = await listenTracked(createServer());
  await listening.close();
  return listening.port;
}

const resources = new Resources();
after(() => resources.closeAll());

const FAST = { minReconnectDelay: 50, maxReconnectDelay: 200, reconnectJitter: 0 } as const;

for (const transport of CLIENT_TRANSPORTS) {
  test(`over ${transport}: the server restarts on the same port; new session, queued messages flushed in order`, async () => {
    const first = await echoServer();
    const client = openOwnSocket(first.url, resources, { transports: [transport], ...FAST });
    await client.opened();
    client.socket.send('before');
    await client.messages.waitFor((m) => m === 'before', 'the first echo');
    const firstSession = await first.sessions.waitFor(() => true, 'the first session');

    await first.crash();
    const reconnecting = await client.next('reconnecting');
    assert.equal(reconnecting.attempt, 1);
    assert.equal(reconnecting.delay, 50);
    assert.equal(reconnecting.code, 1006);
    assert.equal(client.socket.readyState, 0);
    assert.equal(client.socket.transport, null);
    const queued = Array.from({ length: 20 }, (_, i) => `offline ${i} ✓`);
    for (const message of queued) client.socket.send(message);
    assert.equal(client.socket.queuedMessages, 20);
    // The server is down: the attempts fail, each waits longer (50, 100, 200, capped at 200).
    const third = await client.events.waitFor((e) => e.type === 'reconnecting' && e.attempt === 3, 'a third attempt');
    assert.equal(third.type === 'reconnecting' && third.delay, 200);

    const second = await echoServer(first.port);
    resources.add(second, (s) => s.crash());
    const reconnected = await client.next('reconnected', 5000);
    assert.equal(reconnected.transport, transport);
    assert.ok(reconnected.attempt >= 3);
    const echoed = await client.messages.waitForCount(21, 'the queued messages echoed');
    assert.deepEqual(echoed, ['before', ...queued]);
    const secondSession = await second.sessions.waitFor(() => true, 'a session on the new server');
    assert.notEqual(secondSession, firstSession);
    assert.equal(
      client.events.count((e) => e.type === 'open'),
      1,
      'open once; reconnected after',
    );
    assert.equal(client.socket.queuedMessages, 0);
  });
}

describe('reconnect, other cases', () => {
  test('a graceful shutdown (1001 Going away) is a transient close: it reconnects', async () => {
    const first = await echoServer();
    const client = openOwnSocket(first.url, resources, FAST);
    await client.opened();
    await first.shutDown();
    const reconnecting = await client.next('reconnecting');
    assert.deepEqual([reconnecting.code, reconnecting.reason], [1001, 'Going away']);
    const second = await echoServer(first.port);
    resources.add(second, (s) => s.crash());
    await client.next('reconnected', 5000);
  });

  test('the send queue is bounded by messages and bytes: ERR_CLIENT_QUEUE_FULL; close reports what was unsent', async () => {
    const client = openOwnSocket(`http://127.0.0.1:${await deadPort()}/echo`, resources, {
      ...FAST,
      maxQueuedMessages: 3,
      maxQueuedBytes: 10,
    });
    client.socket.send('a');
    client.socket.send('é'); // 2 bytes
    assert.throws(() => client.socket.send('x'.repeat(8)), {
      code: 'ERR_CLIENT_QUEUE_FULL',
      message: /2 messages \(3 bytes\).*maxQueuedBytes 10/,
    });
    client.socket.send('c');
    assert.throws(() => client.socket.send('d'), { code: 'ERR_CLIENT_QUEUE_FULL', message: /maxQueuedMessages 3/ });
    await client.next('reconnecting');
    client.socket.close();
    const closed = await client.next('close');
    assert.deepEqual(closed.unsent, ['a', 'é', 'c']);
  });

  test('maxReconnectAttempts: after that many failed attempts, close (not clean) with the last failure', async () => {
    const client = openOwnSocket(`http://127.0.0.1:${await deadPort()}/echo`, resources, {
      ...FAST,
      maxReconnectAttempts: 2,
    });
    const closed = await client.next('close');
    assert.equal(closed.code, 1002);
    assert.match(closed.reason, /^Cannot connect to server/);
    assert.equal(closed.wasClean, false);
    assert.deepEqual(
      client.events.items.filter((e) => e.type === 'reconnecting').map((e) => e.type === 'reconnecting' && e.attempt),
      [1, 2],
    );
  });

  test('reconnect: false: a lost connection closes (1006, not clean)', async () => {
    const server = await echoServer();
    const client = openOwnSocket(server.url, resources, { reconnect: false });
    await client.opened();
    await server.crash();
    const closed = await client.next('close');
    assert.deepEqual([closed.code, closed.wasClean], [1006, false]);
    assert.equal(
      client.events.count((e) => e.type === 'reconnecting'),
      0,
    );
  });

  test('an `online` event starts the pending attempt at once, not after its delay', async () => {
    // A stand-in for the browser's window: Node has no global `online` event.
    const window = new EventTarget();
    const globals = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    globals.addEventListener = window.addEventListener.bind(window);
    globals.removeEventListener = window.removeEventListener.bind(window);
    try {
      const first = await echoServer();
      const client = openOwnSocket(first.url, resources, {
        minReconnectDelay: 60_000,
        maxReconnectDelay: 60_000,
        reconnectJitter: 0,
      });
      await client.opened();
      await first.crash();
      assert.equal((await client.next('reconnecting')).delay, 60_000);
      const second = await echoServer(first.port);
      resources.add(second, (s) => s.crash());
      window.dispatchEvent(new Event('online'));
      await client.next('reconnected', 3000);
    } finally {
      delete globals.addEventListener;
      delete globals.removeEventListener;
    }
  });
});
