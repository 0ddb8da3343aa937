/** The raw /websocket endpoint: plain WebSocket, no SockJS framing. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { wsUrl } from '../support/sockjs';
import { WsClient } from '../support/ws-client';

const target = useTarget();

describe('raw websocket', () => {
  test('messages are echoed verbatim, including U+FFFF, with no open frame', { timeout: 10_000 }, async () => {
    const ws = await WsClient.open(wsUrl(target().baseUrl, '/echo/websocket'));
    try {
      ws.send('Hello world!\uffff');
      assert.equal(await ws.next(), 'Hello world!\uffff');
    } finally {
      await ws.close();
    }
  });

  test(
    'an application close closes the websocket with code 3000 and reason "Go away!"',
    { timeout: 10_000 },
    async () => {
      const ws = await WsClient.open(wsUrl(target().baseUrl, '/close/websocket'));
      try {
        const info = await ws.waitForClose();
        assert.equal(info.reason, 'Go away!');
        assert.equal(info.code, 3000);
        assert.deepEqual(ws.unread, [], 'no message precedes the close on the raw endpoint');
      } finally {
        await ws.close();
      }
    },
  );
});
