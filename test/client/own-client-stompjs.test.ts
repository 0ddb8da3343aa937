/**
 * Our client as @stomp/stompjs's `webSocketFactory`, against our STOMP endpoint, on each transport:
 * CONNECTED with STOMP heart-beats running over it, a topic round trip with receipts, and a clean
 * DISCONNECT. stompjs reconnects (and re-sends CONNECT) itself, so the socket's own reconnect is off.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { CLIENT_TRANSPORTS, SockJsSocket, type ClientTransportName } from '../../client';
import { NodeEventSource } from '../support/own-client';
import { StompjsSession, useStompServer } from '../support/stomp';
import { withTimeout } from '../support/wait';

const started = useStompServer({ heartBeat: [500, 500] });

function factory(transport: ClientTransportName, sockets: SockJsSocket[]): () => SockJsSocket {
  return () => {
    const socket = new SockJsSocket(started.running().sockjsUrl, {
      transports: [transport],
      reconnect: false,
      WebSocket,
      EventSource: NodeEventSource,
    });
    sockets.push(socket);
    return socket;
  };
}

for (const transport of CLIENT_TRANSPORTS) {
  describe(`stompjs over SockJsSocket (${transport})`, () => {
    test('CONNECTED, a topic round trip with receipts, heart-beats both ways, DISCONNECT', async () => {
      const sockets: SockJsSocket[] = [];
      const session = await StompjsSession.connect(started.running(), 'websocket', started.resources, {
        webSocketFactory: factory(transport, sockets),
        heartbeatIncoming: 500,
        heartbeatOutgoing: 500,
      });
      assert.equal(session.connectedFrame?.headers.version, '1.2');
      assert.equal(sockets[0]?.transport, transport);
      const destination = `/topic/own-${transport}`;
      await session.subscribed(destination);
      for (let i = 0; i < 10; i++) await session.publishWithReceipt(destination, `m${i} ✓`);
      const messages = await session.messages.waitForCount(10, 'ten topic messages');
      assert.deepEqual(
        messages.map((m) => m.body),
        Array.from({ length: 10 }, (_, i) => `m${i} ✓`),
      );
      // Heart-beats: the server's arrive (stompjs would close without them) over 3 periods.
      const beats = new Promise<void>((resolve) => {
        let seen = 0;
        session.client.onHeartbeatReceived = () => {
          if (++seen === 3) resolve();
        };
      });
      await withTimeout(beats, 'three STOMP heart-beats from the server', 5000);
      assert.equal(session.closes.items.length, 0);
      const socket = sockets[0];
      const closed = new Promise<number>((resolve) => socket.addEventListener('close', (e) => resolve(e.code)));
      await session.client.deactivate();
      assert.equal(await withTimeout(closed, 'the socket to close'), 1000);
      assert.equal(sockets.length, 1, 'one socket: no reconnect by stompjs');
    });
  });
}
