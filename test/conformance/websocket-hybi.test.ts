/** The SockJS websocket transport /<server>/<session>/websocket (RFC 6455 / hybi-13). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { GET, POST, RawHttpConnection } from '../support/raw-http';
import { assert405 } from '../support/assertions';
import { GO_AWAY_FRAME, newSessionPath, wsUrl } from '../support/sockjs';
import { ConnectionClosedError, WsClient } from '../support/ws-client';

const target = useTarget();

const sessionWsUrl = (service: 'echo' | 'close' = 'echo'): string =>
  wsUrl(target().baseUrl, newSessionPath(service) + '/websocket');

describe('websocket endpoint: plain HTTP requests', () => {
  test('a plain GET (no upgrade) answers 400', { timeout: 10_000 }, async () => {
    const r = await GET(target().port, '/echo/0/0/websocket');
    assert.equal(r.status, 400);
  });

  test(
    'Upgrade: WebSocket with Connection: close answers 400 "Not a valid websocket request"',
    { timeout: 10_000 },
    async () => {
      const r = await GET(target().port, '/echo/0/0/websocket', {
        headers: { Upgrade: 'WebSocket', Connection: 'close' },
      });
      assert.equal(r.status, 400);
      assert.ok(r.body.includes('Not a valid websocket request'), `body: ${JSON.stringify(r.body)}`);
    },
  );

  test('POST, with or without upgrade headers, answers 405 with Allow and no body', { timeout: 10_000 }, async () => {
    const variants: Array<Record<string, string>> = [{ Upgrade: 'WebSocket', Connection: 'Upgrade' }, {}];
    for (const headers of variants) {
      assert405(await POST(target().port, '/echo/0/0/websocket', { headers }));
    }
  });
});

describe('websocket transport', () => {
  test('opens with "o" and echoes a JSON array as an "a" frame', { timeout: 10_000 }, async () => {
    const ws = await WsClient.open(sessionWsUrl());
    try {
      assert.equal(await ws.next(), 'o');
      ws.send('["a"]');
      assert.equal(await ws.next(), 'a["a"]');
    } finally {
      await ws.close();
    }
  });

  test('an application close sends "o", the close frame, then closes the connection', { timeout: 10_000 }, async () => {
    const ws = await WsClient.open(sessionWsUrl('close'));
    try {
      assert.equal(await ws.next(), 'o');
      assert.equal(await ws.next(), GO_AWAY_FRAME);
      await assert.rejects(ws.next(), ConnectionClosedError);
    } finally {
      await ws.close();
    }
  });

  test(
    'hybi-13 handshake answers 101 with the correct Sec-WebSocket-Accept and no Content-Length',
    { timeout: 10_000 },
    async () => {
      const conn = await RawHttpConnection.connect(target().port);
      try {
        await conn.sendRequest({
          method: 'GET',
          path: newSessionPath('echo') + '/websocket',
          headers: {
            Upgrade: 'websocket',
            Connection: 'Upgrade',
            'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Origin': 'http://asd',
            'Sec-WebSocket-Key': 'x3JJHMbDL1EzLkh9GBhXDw==',
          },
        });
        const head = await conn.readHead();
        assert.equal(head.status, 101);
        assert.equal(head.header('sec-websocket-accept'), 'HSmrc0sMlYUkAGmm5OPpG2HaGWk=');
        assert.equal(head.header('connection')?.toLowerCase(), 'upgrade');
        assert.equal(head.header('upgrade')?.toLowerCase(), 'websocket');
        assert.equal(head.header('content-length'), undefined);
      } finally {
        conn.destroy();
      }
    },
  );

  test('empty messages and empty arrays are ignored', { timeout: 10_000 }, async () => {
    const ws = await WsClient.open(sessionWsUrl());
    try {
      assert.equal(await ws.next(), 'o');
      ws.send('');
      ws.send('[]');
      ws.send('["a"]');
      assert.equal(await ws.next(), 'a["a"]');
    } finally {
      await ws.close();
    }
  });

  test(
    'two websockets may share a session_id concurrently and the id may be reused after closing',
    { timeout: 10_000 },
    async () => {
      const url = sessionWsUrl();
      const ws1 = await WsClient.open(url);
      const ws2 = await WsClient.open(url);
      try {
        assert.equal(await ws1.next(), 'o');
        assert.equal(await ws2.next(), 'o');
        ws1.send('["a"]');
        assert.equal(await ws1.next(), 'a["a"]');
        ws2.send('["b"]');
        assert.equal(await ws2.next(), 'a["b"]');
        assert.equal(ws1.isClosed, false, 'first websocket must stay open');
        assert.equal(ws2.isClosed, false, 'second websocket must stay open');
      } finally {
        await ws1.close();
        await ws2.close();
      }

      const again = await WsClient.open(url);
      try {
        assert.equal(await again.next(), 'o');
        again.send('["a"]');
        assert.equal(await again.next(), 'a["a"]');
      } finally {
        await again.close();
      }
    },
  );

  test(
    'broken JSON from the client makes the server close the connection without echoing',
    { timeout: 10_000 },
    async () => {
      const ws = await WsClient.open(sessionWsUrl());
      try {
        assert.equal(await ws.next(), 'o');
        ws.send('["a');
        await assert.rejects(ws.next(), ConnectionClosedError);
      } finally {
        await ws.close();
      }
    },
  );
});
