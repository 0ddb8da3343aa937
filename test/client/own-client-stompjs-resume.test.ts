/**
 * @stomp/stompjs over our client with the resume extension on: the server cuts every TCP connection
 * again and again while messages flow through a topic, and stompjs notices nothing — one socket, one
 * CONNECTED, no close, its subscription kept, every message exactly once and in order. (Without resume
 * every cut would close the STOMP session and stompjs would have to reconnect and subscribe again.)
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { CLIENT_TRANSPORTS, SockJsSocket, type ClientTransportName } from '../../client';
import { NodeEventSource } from '../support/own-client';
import { StompjsSession, useStompServer } from '../support/stomp';

const started = useStompServer({}, undefined, { resumeWindow: 10_000 });

const MESSAGES = 400;
const CUT_EVERY = 40;

function factory(transport: ClientTransportName, sockets: SockJsSocket[]): () => SockJsSocket {
  return () => {
    const socket = new SockJsSocket(started.running().sockjsUrl, {
      transports: [transport],
      reconnect: false,
      minReconnectDelay: 20,
      maxReconnectDelay: 100,
      WebSocket,
      EventSource: NodeEventSource,
    });
    sockets.push(socket);
    return socket;
  };
}

/** Every TCP connection the server accepts from now on, to cut. */
function trackConnections(): { cutAll(): number; stop(): void } {
  const server = started.running().http.server;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  return {
    /** How many connections it cut. */
    cutAll: () => {
      const cut = sockets.size;
      for (const socket of sockets) socket.destroy();
      return cut;
    },
    stop: () => server.off('connection', track),
  };
}

describe('stompjs over SockJsSocket with resume', () => {
  for (const transport of CLIENT_TRANSPORTS) {
    test(`${transport}: ${MESSAGES / CUT_EVERY} cuts, one STOMP session, every message once in order`, async () => {
      const connections = trackConnections();
      try {
        const sockets: SockJsSocket[] = [];
        const session = await StompjsSession.connect(started.running(), 'websocket', started.resources, {
          webSocketFactory: factory(transport, sockets),
        });
        const socket = sockets[0] as SockJsSocket;
        let resumes = 0;
        let cuts = 0;
        socket.addEventListener('reconnected', (event) => {
          if (event.resumed) resumes++;
        });
        const destination = `/topic/resume-${transport}`;
        await session.subscribed(destination);
        for (let i = 0; i < MESSAGES; i++) {
          session.client.publish({ destination, body: `m${i}` });
          if ((i + 1) % CUT_EVERY !== 0 || i + 1 === MESSAGES) continue;
          // Some of this round on the way, some not yet: then every connection goes.
          await session.messages.waitForCount(i + 1 - CUT_EVERY / 2, `message ${i + 1 - CUT_EVERY / 2}`);
          if (connections.cutAll() > 0) cuts++;
        }
        const messages = await session.messages.waitForCount(MESSAGES, `${MESSAGES} messages`, 30_000);
        assert.deepEqual(
          messages.map((m) => m.body),
          Array.from({ length: MESSAGES }, (_, i) => `m${i}`),
        );
        assert.equal(sockets.length, 1, 'one socket: stompjs never reconnected');
        assert.deepEqual(session.closes.items, [], 'stompjs saw no close');
        assert.equal(cuts, MESSAGES / CUT_EVERY - 1, 'every cut found connections to cut');
        // An EventSource stream cut is taken for the end of a stream: the next one carries on (with
        // `resume=<received>`) without the socket losing its connection at all.
        if (transport !== 'eventsource') assert.ok(resumes >= cuts / 2, `${resumes} resumes for ${cuts} cuts`);
        assert.equal(socket.readyState, SockJsSocket.OPEN);
      } finally {
        connections.stop();
      }
    });
  }
});
