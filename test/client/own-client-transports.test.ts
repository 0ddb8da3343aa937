/**
 * Our client (SockJsSocket) against our server, on each of its transports: messages echoed exactly
 * and in order (escaping edge cases, sizes across the prelude and chunk boundaries), close codes
 * both ways, heartbeat events.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLIENT_TRANSPORTS, type ClientTransportName } from '../../client';
import type { CloseInfo, SockJsHandler } from '../../server';
import { Events } from '../support/events';
import { assertSameMessages } from '../support/messages';
import { messagesToEcho, openOwnSocket } from '../support/own-client';
import { useStarted } from '../support/resources';
import { serveEndpoints } from '../support/servers';
import { until } from '../support/wait';

const serverCloses = new Events<CloseInfo>();
const echo: SockJsHandler = { onMessage: (session, message) => session.send(message) };
const closer: SockJsHandler = {
  onMessage: (session, message) => {
    const [code, reason] = JSON.parse(message) as [number, string];
    session.close(code, reason);
  },
};
const recorder: SockJsHandler = { onClose: (_session, info) => serverCloses.push(info) };

const started = useStarted(async (resources) =>
  resources.add(
    await serveEndpoints([
      // A small response limit: streaming responses end often, and the client must carry on with the next.
      { prefix: '/echo', handler: echo, responseLimit: 4096 },
      { prefix: '/closer', handler: closer },
      { prefix: '/recorder', handler: recorder, disconnectDelay: 200 },
      { prefix: '/beat', handler: {}, heartbeatDelay: 50 },
    ]),
    (s) => s.close(),
  ),
);

function url(prefix: string): string {
  return started.running().baseUrl + prefix;
}

function only(transport: ClientTransportName): { transports: [ClientTransportName]; reconnect: false } {
  return { transports: [transport], reconnect: false };
}

for (const transport of CLIENT_TRANSPORTS) {
  describe(`SockJsSocket over ${transport}, against our server`, () => {
    test('opens on that transport and echoes 300 messages exactly and in order', async () => {
      const client = openOwnSocket(url('/echo'), started.resources, only(transport));
      const opened = await client.opened();
      assert.equal(opened.transport, transport);
      assert.equal(client.socket.transport, transport);
      assert.equal(client.socket.readyState, 1);
      const messages = messagesToEcho();
      for (const message of messages) client.socket.send(message);
      const echoed = await client.messages.waitForCount(messages.length, 'every echo', 20_000);
      assertSameMessages(echoed.slice(0, messages.length), messages, `echoes over ${transport}`);
      assert.equal((await client.next('transport')).transport, transport);
    });

    test("the server's close frame: its code and reason, clean, and no reconnect", async () => {
      const client = openOwnSocket(url('/closer'), started.resources, { transports: [transport] });
      await client.opened();
      client.socket.send(JSON.stringify([4001, 'Done here ✓']));
      const closed = await client.next('close');
      assert.deepEqual([closed.code, closed.reason, closed.wasClean], [4001, 'Done here ✓', true]);
      assert.equal(client.socket.readyState, 3);
      assert.equal(
        client.events.count((e) => e.type === 'reconnecting'),
        0,
      );
      assert.throws(() => client.socket.send('late'), { code: 'ERR_CLIENT_CLOSED' });
    });

    test('close(code, reason): a clean close event; the server sees the session end', async () => {
      const client = openOwnSocket(url('/recorder'), started.resources, only(transport));
      await client.opened();
      const from = serverCloses.mark();
      client.socket.close(4002, 'Client leaves');
      assert.equal(client.socket.readyState, 2);
      const closed = await client.next('close');
      assert.deepEqual([closed.code, closed.reason, closed.wasClean], [4002, 'Client leaves', true]);
      const seen = await serverCloses.waitFor(() => true, 'the server to close the session', 5000, from);
      // Only a websocket can carry the client's code. The streaming ones drop their response mid-way
      // (1002 "Connection interrupted"); xhr-polling has none open, so the session just expires (1006).
      const expected: Record<ClientTransportName, CloseInfo> = {
        websocket: { code: 4002, reason: 'Client leaves' },
        'xhr-streaming': { code: 1002, reason: 'Connection interrupted' },
        eventsource: { code: 1002, reason: 'Connection interrupted' },
        'xhr-polling': { code: 1006, reason: 'Connection lost' },
      };
      assert.deepEqual(seen, expected[transport]);
    });

    test('heartbeat frames arrive as heartbeat events', async () => {
      const client = openOwnSocket(url('/beat'), started.resources, only(transport));
      await client.opened();
      await until(() => client.events.count((e) => e.type === 'heartbeat') >= 3, 'three heartbeat events');
      assert.equal(client.messages.items.length, 0, 'heartbeats are not messages');
    });
  });
}
