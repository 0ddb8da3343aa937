/**
 * @stomp/stompjs, the client browsers run, against our STOMP server over every transport it can
 * ride in Node: a plain websocket (`ws`, sub-protocol negotiated) and sockjs-client on websocket,
 * xhr-streaming and xhr-polling. The same conversation on each: CONNECTED with version and
 * heart-beats, a topic, an /app round trip with Spring's default reply destination, a user queue,
 * receipts, and a DISCONNECT whose receipt follows what was sent before it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StompjsSession, useStompServer, type StompjsTransport } from '../support/stomp';
import { withUser } from '../support/stomp-e2e';

const TRANSPORTS: StompjsTransport[] = ['ws', 'websocket', 'xhr-streaming', 'xhr-polling'];

const started = useStompServer(
  { heartBeat: [1000, 1000] },
  (stomp) => {
    stomp.messageMapping('/echo', (message) => message.payload);
    stomp.messageMapping<{ text: string }>('/room.{id}', (message) => ({
      room: message.variables.id,
      text: message.payload.text,
    }));
    stomp.messageMapping('/whoami', (message) => message.session.user?.name ?? 'anonymous', {
      sendToUser: '/queue/me',
    });
  },
  {
    principal: (handshake) => {
      const user = new URL(handshake.req.url ?? '/', 'http://x').searchParams.get('user');
      return user ? { name: user } : undefined;
    },
  },
);

for (const transport of TRANSPORTS) {
  describe(`stompjs over ${transport}`, () => {
    test('CONNECTED carries the version, heart-beats, server and session', async () => {
      const session = await StompjsSession.connect(started.running(), transport, started.resources, {
        heartbeatIncoming: 1000,
        heartbeatOutgoing: 1000,
      });
      const headers = session.connectedFrame?.headers ?? {};
      assert.equal(headers.version, '1.2');
      assert.equal(headers['heart-beat'], '1000,1000');
      assert.match(headers.server ?? '', /^sockjs-ts-server\/\d/);
      assert.ok(headers.session, 'a session header');
    });

    test('a topic: published once, received in order', async () => {
      const running = started.running();
      const subscriber = await StompjsSession.connect(running, transport, started.resources);
      const publisher = await StompjsSession.connect(running, transport, started.resources);
      await subscriber.subscribed(`/topic/t-${transport}`);
      for (let i = 0; i < 20; i++) publisher.client.publish({ destination: `/topic/t-${transport}`, body: `m${i}` });
      const messages = await subscriber.messages.waitForCount(20, '20 topic messages');
      assert.deepEqual(
        messages.map((m) => m.body),
        Array.from({ length: 20 }, (_, i) => `m${i}`),
      );
      const first = messages[0];
      assert.equal(first?.headers.destination, `/topic/t-${transport}`);
      assert.ok(first?.headers['message-id']);
      assert.equal(first?.headers['content-length'], '2');
      assert.match(first?.headers['content-type'] ?? '', /^text\/plain/);
    });

    test('/app mapping: the reply goes to /topic + the same path (Spring default @SendTo)', async () => {
      const session = await StompjsSession.connect(started.running(), transport, started.resources);
      await session.subscribed('/topic/room.42');
      session.client.publish({
        destination: '/app/room.42',
        body: JSON.stringify({ text: 'hi' }),
        headers: { 'content-type': 'application/json' },
      });
      const reply = await session.messages.waitFor((m) => m.headers.destination === '/topic/room.42', 'the reply');
      assert.deepEqual(JSON.parse(reply.body), { room: '42', text: 'hi' });
      assert.equal(reply.headers['content-type'], 'application/json');
    });

    test('/user destinations reach every session of that user, nobody else', async () => {
      const running = started.running();
      const user = `u-${transport}`;
      const tab1 = await StompjsSession.connect(withUser(running, user), transport, started.resources);
      const tab2 = await StompjsSession.connect(withUser(running, user), transport, started.resources);
      const other = await StompjsSession.connect(withUser(running, `${user}-other`), transport, started.resources);
      assert.equal(tab1.connectedFrame?.headers['user-name'], user);
      for (const s of [tab1, tab2, other]) await s.subscribed('/user/queue/notes');
      assert.equal(running.stomp.template.convertAndSendToUser(user, '/queue/notes', { n: 1 }), 2);
      for (const tab of [tab1, tab2]) {
        const note = await tab.messages.waitFor(() => true, 'the user message');
        assert.equal(note.headers.destination, '/user/queue/notes');
        assert.deepEqual(JSON.parse(note.body), { n: 1 });
      }
      await other.publishWithReceipt('/topic/flush', 'x');
      assert.equal(other.messages.items.length, 0, 'another user got nothing');
    });

    test('DISCONNECT: its receipt comes after the messages sent before it', async () => {
      const session = await StompjsSession.connect(started.running(), transport, started.resources);
      await session.subscribed(`/topic/d-${transport}`);
      for (let i = 0; i < 5; i++) session.client.publish({ destination: `/topic/d-${transport}`, body: `${i}` });
      let receivedAtReceipt = -1;
      // stompjs sends DISCONNECT with a receipt and calls onDisconnect when that receipt arrives.
      const receipted = new Promise<void>((resolve) => {
        session.client.onDisconnect = () => {
          receivedAtReceipt = session.messages.items.length;
          resolve();
        };
      });
      await session.client.deactivate();
      await receipted;
      assert.equal(receivedAtReceipt, 5, 'all 5 messages came before the DISCONNECT receipt');
    });
  });
}
