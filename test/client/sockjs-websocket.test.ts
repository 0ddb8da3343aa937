/** `ws` as a client of the SockJS websocket transport, `{prefix}/<server>/<session>/websocket`. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadyState } from '../../server';
import { Recorder } from '../support/recorder';
import { useServicesAndCustomEndpoint } from '../support/servers';
import { messagesOf, newSessionId, readMessages, wsUrl } from '../support/sockjs';
import { WsClient } from '../support/ws-client';

describe('SockJS websocket transport with a ws client', () => {
  const recorder = new Recorder({
    onMessage(session, message) {
      session.send(message);
    },
  });
  const { running, resources } = useServicesAndCustomEndpoint(recorder.handler);

  const echo = async (): Promise<WsClient> => {
    const ws = resources.add(
      await WsClient.open(wsUrl(running().services.baseUrl, `/echo/000/${newSessionId()}/websocket`)),
      (w) => w.close(),
    );
    assert.equal(await ws.next('the open frame'), 'o');
    return ws;
  };

  test('opens with "o" and echoes an array of messages as a["..."] frames, in order', { timeout: 10_000 }, async () => {
    const ws = await echo();
    ws.send('["a"]');
    assert.equal(await ws.next('the echo frame'), 'a["a"]');
    ws.send('["b","c \\u2028 \\ud83d\\ude00","\\"d\\""]');
    assert.deepEqual(await readMessages(ws, 3), ['b', 'c \u2028 😀', '"d"']);
  });

  test(
    'echo frames escape U+2028, U+FFFF and astral characters as lowercase \\u escapes',
    { timeout: 10_000 },
    async () => {
      const ws = await echo();
      ws.send(JSON.stringify(['\u2028\uffff😀']));
      assert.equal(await ws.next('the echo frame'), 'a["\\u2028\\uffff\\ud83d\\ude00"]');
    },
  );

  test('a bare JSON string is taken as one message', { timeout: 10_000 }, async () => {
    const ws = await echo();
    ws.send('"bare"');
    assert.deepEqual(messagesOf(await ws.next('the echo frame')), ['bare']);
  });

  test('an empty array and an empty websocket message are ignored without closing', { timeout: 10_000 }, async () => {
    const ws = await echo();
    ws.send('[]');
    ws.send('');
    ws.send('["after"]');
    assert.deepEqual(messagesOf(await ws.next('the echo frame')), ['after']);
    assert.equal(ws.isClosed, false);
  });

  for (const [label, payload] of [
    ['broken JSON', '["x"'],
    ['a JSON object', '{"a":1}'],
    ['an array with a number', '[1]'],
  ] as const) {
    test(`${label} closes the websocket with 3000 "Broken framing."`, { timeout: 10_000 }, async () => {
      const ws = await echo();
      ws.send(payload);
      const info = await ws.waitForClose();
      assert.deepEqual(info, { code: 3000, reason: 'Broken framing.' });
      assert.deepEqual(ws.unread, []);
    });
  }

  test('broken framing reaches onClose as 3000 and drops nothing sent before it', { timeout: 10_000 }, async () => {
    const from = recorder.mark();
    const ws = resources.add(
      await WsClient.open(wsUrl(running().custom.baseUrl, `/custom/000/${newSessionId()}/websocket`)),
      (w) => w.close(),
    );
    assert.equal(await ws.next('the open frame'), 'o');
    const session = await recorder.waitForOpen(from);
    ws.send('["fine"]');
    assert.deepEqual(messagesOf(await ws.next('the echo')), ['fine']);
    ws.send('not json');
    assert.deepEqual(await ws.waitForClose(), { code: 3000, reason: 'Broken framing.' });
    assert.deepEqual(await recorder.waitForClose(session), { code: 3000, reason: 'Broken framing.' });
    assert.deepEqual(recorder.trace(session), ['open', 'message:fine', 'close:3000']);
  });

  test("a client close reaches onClose with the client's code and reason, once", { timeout: 10_000 }, async () => {
    const from = recorder.mark();
    const ws = resources.add(
      await WsClient.open(wsUrl(running().custom.baseUrl, `/custom/000/${newSessionId()}/websocket`)),
      (w) => w.close(),
    );
    assert.equal(await ws.next('the open frame'), 'o');
    const session = await recorder.waitForOpen(from);
    assert.equal(session.transport, 'websocket');
    assert.equal(session.readyState, ReadyState.OPEN);
    assert.ok(running().custom.endpoints[0]?.sessions.has(session.id));
    ws.send('["m1","m2"]');
    assert.deepEqual(await readMessages(ws, 2), ['m1', 'm2']);
    assert.equal((await ws.close(4001, 'client says bye')).code, 4001);
    assert.deepEqual(await recorder.waitForClose(session), { code: 4001, reason: 'client says bye' });
    assert.deepEqual(recorder.trace(session), ['open', 'message:m1', 'message:m2', 'close:4001']);
    assert.equal(session.readyState, ReadyState.CLOSED);
    assert.ok(!running().custom.endpoints[0]?.sessions.has(session.id), 'the session is forgotten');
  });

  test(
    'a client dropping the connection without a close frame reaches onClose as 1006',
    { timeout: 10_000 },
    async () => {
      const from = recorder.mark();
      const ws = resources.add(
        await WsClient.open(wsUrl(running().custom.baseUrl, `/custom/000/${newSessionId()}/websocket`)),
        (w) => w.close(),
      );
      assert.equal(await ws.next('the open frame'), 'o');
      const session = await recorder.waitForOpen(from);
      ws.terminate();
      assert.equal((await recorder.waitForClose(session)).code, 1006);
    },
  );
});
