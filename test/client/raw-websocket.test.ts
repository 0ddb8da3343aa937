/** `ws` as a plain websocket client on the raw `{prefix}/websocket` endpoint (no SockJS framing). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadyState } from '../../server';
import { Recorder } from '../support/recorder';
import { useServicesAndCustomEndpoint } from '../support/servers';
import { wsUrl } from '../support/sockjs';
import { WsClient } from '../support/ws-client';

describe('raw websocket endpoint', () => {
  const recorder = new Recorder({
    onMessage(session, message) {
      if (message === 'close please') session.close(4002, 'server says bye');
    },
  });
  const { running, resources } = useServicesAndCustomEndpoint(recorder.handler);

  const open = async (base: string, path: string): Promise<WsClient> =>
    resources.add(await WsClient.open(wsUrl(base, path)), (ws) => ws.close());

  test(
    '/echo/websocket echoes text messages verbatim, in order, without SockJS framing',
    { timeout: 10_000 },
    async () => {
      const ws = await open(running().services.baseUrl, '/echo/websocket');
      const messages = [
        'hello',
        '',
        '["not","framing"]',
        'emoji 😀 and \u2028 and \uffff',
        '"quoted" \\ back',
        'x'.repeat(100_000),
      ];
      for (const message of messages) ws.send(message);
      const echoed: string[] = [];
      for (let i = 0; i < messages.length; i++) echoed.push(await ws.next(`echo ${i + 1}`));
      assert.deepEqual(echoed, messages);
      assert.equal((await ws.close(1000)).code, 1000);
    },
  );

  test('a server close (the /close service) reaches the client as 3000 "Go away!"', { timeout: 10_000 }, async () => {
    const ws = await open(running().services.baseUrl, '/close/websocket');
    const info = await ws.waitForClose();
    assert.deepEqual(info, { code: 3000, reason: 'Go away!' });
    assert.deepEqual(ws.unread, [], 'no frames, not even "o", on the raw endpoint');
  });

  test(
    'session.close(code, reason) from onMessage reaches the client, onClose reports the same code once',
    { timeout: 10_000 },
    async () => {
      const from = recorder.mark();
      const ws = await open(running().custom.baseUrl, '/custom/websocket');
      const session = await recorder.waitForOpen(from);
      ws.send('close please');
      assert.deepEqual(await ws.waitForClose(), { code: 4002, reason: 'server says bye' });
      assert.deepEqual(await recorder.waitForClose(session), { code: 4002, reason: 'server says bye' });
      assert.deepEqual(recorder.trace(session), ['open', 'message:close please', 'close:4002']);
    },
  );

  test(
    "a client close reaches the server's onClose with the client's code and reason, once",
    { timeout: 10_000 },
    async () => {
      const from = recorder.mark();
      const ws = await open(running().custom.baseUrl, '/custom/websocket');
      const session = await recorder.waitForOpen(from);
      assert.equal(session.transport, 'websocket-raw');
      assert.equal(session.readyState, ReadyState.OPEN);
      ws.send('one');
      ws.send('two');
      await recorder.waitFor(
        (e) => e.kind === 'message' && e.session === session && e.message === 'two',
        'message two',
      );
      const clientSide = await ws.close(4001, 'client says bye');
      assert.equal(clientSide.code, 4001);
      assert.deepEqual(await recorder.waitForClose(session), { code: 4001, reason: 'client says bye' });
      assert.deepEqual(recorder.trace(session), ['open', 'message:one', 'message:two', 'close:4001']);
      assert.ok(!running().custom.endpoints[0]?.sessions.has(session.id), 'the session is forgotten');
    },
  );

  test('a client close without a status code reaches onClose as 1005', { timeout: 10_000 }, async () => {
    const from = recorder.mark();
    const ws = await open(running().custom.baseUrl, '/custom/websocket');
    const session = await recorder.waitForOpen(from);
    await ws.close();
    assert.equal((await recorder.waitForClose(session)).code, 1005);
  });
});
