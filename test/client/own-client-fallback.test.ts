/**
 * Fallback: when websocket is not offered, refused or never answers, our client opens xhr-streaming
 * (the next in its order), the last within the RTO-based timeout; and it remembers what worked.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import express from 'express';
import { createEndpoint } from '../../server';
import { openOwnSocket } from '../support/own-client';
import { useStarted } from '../support/resources';
import { listenTracked, serveEndpoints } from '../support/servers';

type UpgradeBehaviour = 'refuse' | 'hang';

/** An echo endpoint whose /info offers websocket, and whose upgrades are refused or left unanswered. */
async function brokenWebsocketServer(behaviour: UpgradeBehaviour) {
  const app = express();
  const server = createServer(app);
  const endpoint = createEndpoint({ prefix: '/echo', handler: { onMessage: (s, m) => s.send(m) } });
  app.use(endpoint.prefix, endpoint.middleware);
  const upgrades: Socket[] = [];
  server.on('upgrade', (_req, socket: Socket) => {
    upgrades.push(socket);
    if (behaviour === 'refuse') socket.destroy();
  });
  const listening = await listenTracked(server);
  return {
    url: `${listening.baseUrl}/echo`,
    upgrades,
    close: async () => {
      await endpoint.close();
      await listening.close();
    },
  };
}

const started = useStarted(async (resources) => ({
  refusing: resources.add(await brokenWebsocketServer('refuse'), (s) => s.close()),
  hanging: resources.add(await brokenWebsocketServer('hang'), (s) => s.close()),
  noWebsocket: resources.add(
    await serveEndpoints([{ prefix: '/echo', websocket: false, handler: { onMessage: (s, m) => s.send(m) } }]),
    (s) => s.close(),
  ),
}));

describe('SockJsSocket fallback', () => {
  test('an endpoint without websocket (/info says so): xhr-streaming, with no websocket attempt', async () => {
    const client = openOwnSocket(`${started.running().noWebsocket.baseUrl}/echo`, started.resources);
    assert.equal((await client.opened()).transport, 'xhr-streaming');
    client.socket.send('over xhr-streaming');
    assert.equal(await client.messages.waitFor(() => true, 'the echo'), 'over xhr-streaming');
  });

  test('a refused websocket: xhr-streaming at once, not after the timeout', async () => {
    const { refusing } = started.running();
    const begun = Date.now();
    // A generous floor for the timeout: taking the fallback before it shows the refusal was noticed.
    const client = openOwnSocket(refusing.url, started.resources, { timeout: 4000 });
    assert.equal((await client.opened()).transport, 'xhr-streaming');
    assert.ok(Date.now() - begun < 4000, `opened after ${Date.now() - begun} ms`);
    assert.equal(refusing.upgrades.length, 1);
  });

  test('an unanswered websocket: xhr-streaming once the RTO-based timeout (2 round trips) has passed', async () => {
    const { hanging } = started.running();
    const begun = Date.now();
    const client = openOwnSocket(hanging.url, started.resources);
    assert.equal((await client.opened(8000)).transport, 'xhr-streaming');
    const took = Date.now() - begun;
    // On loopback the RTT is a few ms: RTO = 300 + RTT, and the timeout twice that (not sockjs-client's 5 s
    // for an unknown RTO, nor the 8 s /info timeout); the upper bound leaves room for a busy machine.
    assert.ok(took >= 600 && took < 4500, `opened after ${took} ms`);
    assert.equal(hanging.upgrades.length, 1);
    client.socket.send('after the fallback');
    assert.equal(await client.messages.waitFor(() => true, 'the echo'), 'after the fallback');
  });

  test('the transport that worked is tried first next time: no second websocket attempt', async () => {
    const { hanging } = started.running();
    const before = hanging.upgrades.length;
    const client = openOwnSocket(hanging.url, started.resources);
    assert.equal((await client.opened(1000)).transport, 'xhr-streaming');
    assert.equal(hanging.upgrades.length, before);
  });

  test('transports restricts them: websocket alone, refused, ends in close 2000 without reconnect', async () => {
    const client = openOwnSocket(started.running().refusing.url, started.resources, {
      transports: ['websocket'],
      reconnect: false,
    });
    const closed = await client.next('close');
    assert.deepEqual([closed.code, closed.wasClean], [2000, false]);
    assert.match(closed.reason, /^All transports failed \(websocket: Connection lost \(websocket closed, 1006\)\)$/);
    assert.equal(
      client.events.count((e) => e.type === 'open'),
      0,
    );
  });
});
