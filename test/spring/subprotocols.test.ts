/**
 * setSubprotocols(): the first protocol of the client's list that the endpoint supports is agreed
 * (session.protocol and the client's ws.protocol); none offered or none in common → ''. Also the
 * demo's plain /ws endpoint with v1.chat and v2.chat.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SockJsHandler, SockJsSession } from '../../server';
import { Events } from '../support/events';
import { rawUpgrade } from '../support/raw-ws';
import { sockjsWsPath, wsUrl } from '../support/sockjs';
import { useSpringApp, useSpringDemo } from '../support/spring';
import { WsClient } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

const opened = new Events<{ endpoint: string; session: SockJsSession }>();

function announcing(endpoint: string): SockJsHandler {
  return {
    onOpen(session) {
      opened.push({ endpoint, session });
      session.send(`protocol=${session.protocol}`);
    },
  };
}

describe('setSubprotocols on a plain websocket endpoint', () => {
  const { running, resources } = useSpringApp((registry) => {
    registry.addHandler(announcing('/chat'), '/chat').setSubprotocols('v1.chat', 'v2.chat');
    registry.addHandler(announcing('/none'), '/none');
    registry.addHandler(announcing('/sockjs'), '/sockjs').setSubprotocols('v1.chat', 'v2.chat').withSockJS();
  });

  const cases: Array<{ offered: string[]; agreed: string }> = [
    { offered: ['v3', 'v2.chat'], agreed: 'v2.chat' },
    { offered: ['v2.chat', 'v1.chat'], agreed: 'v2.chat' },
    { offered: ['v1.chat', 'v2.chat'], agreed: 'v1.chat' },
    { offered: ['v1.chat'], agreed: 'v1.chat' },
    { offered: [], agreed: '' },
  ];
  for (const { offered, agreed } of cases) {
    test(
      `client offers [${offered.join(', ')}] → ${JSON.stringify(agreed)} on both sides`,
      { timeout: 10_000 },
      async () => {
        const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/chat'), { protocols: offered }), (c) =>
          c.close(),
        );
        assert.equal(ws.socket.protocol, agreed, 'ws.protocol');
        assert.equal(await ws.message(0), `protocol=${agreed}`, 'session.protocol in onOpen');
        const session = [...running().registry.endpoint('/chat').sessions.values()].find((s) => s.protocol === agreed);
        assert.ok(session, 'the endpoint holds the session with that protocol');
        assert.equal(session.transport, 'websocket-raw');
      },
    );
  }

  test(
    'no protocol in common: the upgrade succeeds without a Sec-WebSocket-Protocol header, session.protocol is ""',
    { timeout: 10_000 },
    async () => {
      const before = opened.items.length;
      const answer = await rawUpgrade(running().port, '/chat', { 'Sec-WebSocket-Protocol': 'v3, v4' });
      resources.add(answer.conn, (c) => c.destroy());
      assert.equal(answer.head.status, 101);
      assert.equal(answer.head.header('sec-websocket-protocol'), undefined);
      const open = await opened.waitFor((o) => o.endpoint === '/chat' && opened.items.indexOf(o) >= before, 'onOpen');
      assert.equal(open.session.protocol, '');
    },
  );

  test('an endpoint without setSubprotocols agrees on none, whatever is offered', { timeout: 10_000 }, async () => {
    const answer = await rawUpgrade(running().port, '/none', { 'Sec-WebSocket-Protocol': 'v1.chat' });
    resources.add(answer.conn, (c) => c.destroy());
    assert.equal(answer.head.status, 101);
    assert.equal(answer.head.header('sec-websocket-protocol'), undefined);
    const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/none')), (c) => c.close());
    assert.equal(ws.socket.protocol, '');
    assert.equal(await ws.message(0), 'protocol=');
  });

  test(
    'a SockJS endpoint agrees on a protocol on its websocket transports; other transports have ""',
    { timeout: 10_000 },
    async () => {
      const framed = resources.add(
        await WsClient.open(wsUrl(running().baseUrl, sockjsWsPath('/sockjs')), { protocols: ['v3', 'v2.chat'] }),
        (c) => c.close(),
      );
      assert.equal(framed.socket.protocol, 'v2.chat');
      assert.equal(await framed.message(0), 'o');
      assert.equal(await framed.message(1), 'a["protocol=v2.chat"]');
      const raw = resources.add(
        await WsClient.open(wsUrl(running().baseUrl, '/sockjs/websocket'), { protocols: ['v1.chat'] }),
        (c) => c.close(),
      );
      assert.equal(raw.socket.protocol, 'v1.chat');
      assert.equal(await raw.message(0), 'protocol=v1.chat');
      const xhr = new XhrPollingSession(running().port, '/sockjs', { 'Sec-WebSocket-Protocol': 'v1.chat' });
      await xhr.open();
      assert.equal(await xhr.pollFrame(), 'a["protocol="]');
    },
  );
});

describe('the demo /ws endpoint (v1.chat, v2.chat)', () => {
  const { running: demo, resources } = useSpringDemo();

  test('offering [v3, v2.chat]: v2.chat, JSON echoes', { timeout: 10_000 }, async () => {
    const { baseUrl } = demo();
    const ws = resources.add(await WsClient.open(wsUrl(baseUrl, '/ws'), { protocols: ['v3', 'v2.chat'] }), (c) =>
      c.close(),
    );
    assert.equal(ws.socket.protocol, 'v2.chat');
    assert.equal(await ws.message(0), 'protocol v2.chat');
    ws.socket.send('hi');
    assert.equal(await ws.message(1), '{"echo":"hi"}');
  });

  test('offering [v1.chat]: v1.chat, plain echoes and binary echoes', { timeout: 10_000 }, async () => {
    const { baseUrl } = demo();
    const ws = resources.add(await WsClient.open(wsUrl(baseUrl, '/ws'), { protocols: ['v1.chat'] }), (c) => c.close());
    assert.equal(ws.socket.protocol, 'v1.chat');
    assert.equal(await ws.message(0), 'protocol v1.chat');
    ws.socket.send('hi');
    assert.equal(await ws.message(1), 'hi');
    ws.socket.send(Buffer.from([7, 8, 9]), { binary: true });
    assert.equal(await ws.message(2), '<binary>070809');
  });

  test('offering nothing: no protocol ("protocol none")', { timeout: 10_000 }, async () => {
    const { baseUrl } = demo();
    const ws = resources.add(await WsClient.open(wsUrl(baseUrl, '/ws')), (c) => c.close());
    assert.equal(ws.socket.protocol, '');
    assert.equal(await ws.message(0), 'protocol none');
  });
});
