/**
 * Liveness: a connection that carries no frame (not even a heartbeat) for heartbeatInterval ×
 * livenessMultiple is taken as dead, and the client reconnects; heartbeats keep it alive.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_TRANSPORTS } from '../../client';
import { Events } from '../support/events';
import { openOwnSocket } from '../support/own-client';
import { useStarted } from '../support/resources';
import { serveEndpoints } from '../support/servers';
import { until } from '../support/wait';

const opened = new Events<string>();
const started = useStarted(async (resources) =>
  resources.add(
    await serveEndpoints([
      // Sessions open, then nothing: no heartbeat within any test's time (a server or proxy gone quiet).
      { prefix: '/silent', heartbeatDelay: 600_000, handler: { onOpen: (s) => opened.push(s.id) } },
      { prefix: '/beating', heartbeatDelay: 40, handler: {} },
    ]),
    (s) => s.close(),
  ),
);

const LIVENESS = { heartbeatInterval: 100, livenessMultiple: 2, minReconnectDelay: 20, reconnectJitter: 0 } as const;

for (const transport of CLIENT_TRANSPORTS) {
  test(`over ${transport}: silent for 2 × 100 ms, the connection is taken as dead and a new session opened`, async () => {
    const from = opened.mark();
    const client = openOwnSocket(`${started.running().baseUrl}/silent`, started.resources, {
      transports: [transport],
      ...LIVENESS,
    });
    // Times taken in the listeners themselves, not when the test gets to run again.
    let openedAt = 0;
    let deadAt = 0;
    client.socket.addEventListener('open', () => (openedAt = Date.now()));
    client.socket.addEventListener('reconnecting', () => (deadAt ||= Date.now()));
    await client.opened();
    const reconnecting = await client.next('reconnecting', 3000);
    assert.equal(reconnecting.code, 1006);
    assert.match(reconnecting.reason, /liveness timeout/);
    assert.ok(deadAt - openedAt >= 195, `declared dead ${deadAt - openedAt} ms after the open`);
    await client.next('reconnected', 3000);
    await opened.waitFor(() => true, 'a second session', 3000, from + 1);
  });
}

test('heartbeats keep it alive: ten of them (over 2 liveness timeouts) and no reconnect', async () => {
  const client = openOwnSocket(`${started.running().baseUrl}/beating`, started.resources, LIVENESS);
  await client.opened();
  await until(() => client.events.count((e) => e.type === 'heartbeat') >= 10, 'ten heartbeats', 5000);
  assert.equal(
    client.events.count((e) => e.type === 'reconnecting'),
    0,
  );
  assert.equal(client.socket.readyState, 1);
});
