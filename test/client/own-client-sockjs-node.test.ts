/**
 * Our client against the reference server, sockjs-node 0.3.24 (test/support/reference-server.ts),
 * on each transport: the standard protocol, not just ours.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLIENT_TRANSPORTS } from '../../client';
import { assertSameMessages } from '../support/messages';
import { messagesToEcho, openOwnSocket } from '../support/own-client';
import { startReferenceServer } from '../support/reference-server';
import { useStarted } from '../support/resources';

const started = useStarted(async (resources) => resources.add(await startReferenceServer(), (s) => s.close()));

for (const transport of CLIENT_TRANSPORTS) {
  describe(`SockJsSocket over ${transport}, against sockjs-node 0.3.24`, () => {
    test('echoes 300 messages exactly and in order (its /echo ends streams every 4 KiB)', async () => {
      const client = openOwnSocket(`${started.running().baseUrl}/echo`, started.resources, {
        transports: [transport],
        reconnect: false,
      });
      assert.equal((await client.opened()).transport, transport);
      const messages = messagesToEcho();
      for (const message of messages) client.socket.send(message);
      const echoed = await client.messages.waitForCount(messages.length, 'every echo', 20_000);
      assertSameMessages(echoed, messages, `echoes over ${transport}`);
    });

    test('its close frame (3000 "Go away!") closes, clean, without reconnect', async () => {
      const client = openOwnSocket(`${started.running().baseUrl}/close`, started.resources, {
        transports: [transport],
      });
      const closed = await client.next('close');
      assert.deepEqual([closed.code, closed.reason, closed.wasClean], [3000, 'Go away!', true]);
      assert.equal(
        client.events.count((e) => e.type === 'reconnecting'),
        0,
      );
    });
  });
}

test('sockjs-node without websocket (/info says so): xhr-streaming', async () => {
  const client = openOwnSocket(`${started.running().baseUrl}/disabled_websocket_echo`, started.resources);
  assert.equal((await client.opened()).transport, 'xhr-streaming');
  client.socket.send('ping');
  assert.equal(await client.messages.waitFor(() => true, 'the echo'), 'ping');
});
