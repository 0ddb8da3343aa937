/**
 * Engine limits (setLimits / withSockJS): maxTextMessageBytes (1009 on websockets, 413 on
 * xhr_send/jsonp_send), maxBinaryMessageBytes (1009), maxRequestBytes (413), idleTimeout (1001
 * "Idle timeout" for an idle client only) and sendHighWaterMark (send() false, then onDrain).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { CloseInfo, SockJsHandler, SockJsSession } from '../../server';
import { Events } from '../support/events';
import { HttpStream } from '../support/http-stream';
import { GET, POST, RawHttpConnection } from '../support/raw-http';
import { rawUpgrade } from '../support/raw-ws';
import { framesOf, messagesOf, sockjsWsPath, wsUrl } from '../support/sockjs';
import { connectSockJs, NODE_CLIENT_TRANSPORTS } from '../support/sockjs-client';
import { useSpringApp } from '../support/spring';
import { withTimeout } from '../support/wait';
import { WsClient } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

interface Seen {
  endpoint: string;
  session: SockJsSession;
}

const opens = new Events<Seen>();
const messages = new Events<Seen & { message: string }>();
const closes = new Events<Seen & { info: CloseInfo }>();
const errors = new Events<Seen & { error: Error }>();
const drains = new Events<Seen>();

function recording(endpoint: string): SockJsHandler {
  return {
    onOpen(session) {
      opens.push({ endpoint, session });
    },
    onMessage(session, message) {
      messages.push({ endpoint, session, message });
      session.send(message);
    },
    onBinaryMessage(session, data) {
      session.sendBinary(data);
    },
    onDrain(session) {
      drains.push({ endpoint, session });
    },
    onTransportError(session, error) {
      errors.push({ endpoint, session, error });
    },
    onClose(session, info) {
      closes.push({ endpoint, session, info: { ...info } });
    },
  };
}

const { running, resources } = useSpringApp((registry) => {
  registry
    .addHandler(recording('/small'), '/small')
    .setLimits({ maxTextMessageBytes: 100 })
    .withSockJS({ maxRequestBytes: 1000, disconnectDelay: 30_000 });
  registry
    .addHandler(recording('/plain-small'), '/plain-small')
    .setLimits({ maxTextMessageBytes: 100, maxBinaryMessageBytes: 200 });
  registry
    .addHandler(recording('/plain-bin'), '/plain-bin')
    .setLimits({ maxTextMessageBytes: 300, maxBinaryMessageBytes: 50 });
  registry
    .addHandler(recording('/idle'), '/idle')
    .setLimits({ idleTimeout: 600 })
    .withSockJS({ heartbeatDelay: 50, disconnectDelay: 30_000 });
  registry.addHandler(recording('/plain-idle'), '/plain-idle').setLimits({ idleTimeout: 600 });
  registry
    .addHandler(recording('/hwm'), '/hwm')
    .setLimits({ sendHighWaterMark: 64 })
    .withSockJS({ disconnectDelay: 30_000 });
  registry.addHandler(recording('/plain-hwm'), '/plain-hwm').setLimits({ sendHighWaterMark: 64 * 1024 });
});

describe('maxTextMessageBytes', () => {
  test(
    'sockjs-client over websocket: 100 bytes pass (é counts 2), 101 bytes close the session with 1009',
    { timeout: 15_000 },
    async () => {
      const client = connectSockJs(running().baseUrl + '/small', 'websocket', resources);
      await client.opened;
      client.sock.send('x'.repeat(100));
      assert.equal(await client.message(0), 'x'.repeat(100));
      client.sock.send('é'.repeat(50));
      assert.equal(await client.message(1), 'é'.repeat(50));
      client.sock.send('é'.repeat(51));
      const closed = await withTimeout(client.closed, 'the 1009 close');
      assert.equal(closed.code, 1009);
      const seen = await messages.waitFor(
        (m) => m.endpoint === '/small' && m.message === 'é'.repeat(50),
        'the 100-byte message',
      );
      assert.equal((await closes.waitFor((c) => c.session === seen.session, 'onClose')).info.code, 1009);
      assert.equal(
        messages.count((m) => m.session === seen.session),
        2,
        'the oversized message never reached onMessage',
      );
    },
  );

  test(
    'raw SockJS websocket: a frame with one oversized message closes with 1009 "Message too big"',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, sockjsWsPath('/small'))), (c) => c.close());
      assert.equal(await ws.message(0), 'o');
      ws.socket.send(JSON.stringify(['ok', 'y'.repeat(101)]));
      const closed = await ws.waitForClose();
      assert.deepEqual(closed, { code: 1009, reason: 'Message too big' });
    },
  );

  test(
    'raw SockJS websocket: a frame far over the limit (past ws maxPayload) closes with 1009; the handler sees 1009, no transport error',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, sockjsWsPath('/small'))), (c) => c.close());
      assert.equal(await ws.message(0), 'o');
      const opened = await opens.waitFor(
        (o) =>
          o.endpoint === '/small' &&
          o.session.transport === 'websocket' &&
          !closes.items.some((c) => c.session === o.session),
        'onOpen',
      );
      ws.socket.send(JSON.stringify(['z'.repeat(10_000)]));
      assert.equal((await ws.waitForClose()).code, 1009);
      const closed = await closes.waitFor((c) => c.session === opened.session, 'onClose');
      assert.deepEqual(closed.info, { code: 1009, reason: 'Message too big' }, 'onClose');
      assert.equal(
        errors.count((e) => e.session === opened.session),
        0,
        `onTransportError: ${errors.items
          .filter((e) => e.session === opened.session)
          .map((e) => e.error.message)
          .join()}`,
      );
    },
  );

  test('plain websocket: 100 bytes pass, 101 close with 1009 "Message too big"', { timeout: 10_000 }, async () => {
    const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/plain-small')), (c) => c.close());
    ws.socket.send('a'.repeat(100));
    assert.equal(await ws.message(0), 'a'.repeat(100));
    ws.socket.send('a'.repeat(101));
    assert.deepEqual(await ws.waitForClose(), { code: 1009, reason: 'Message too big' });
  });

  test(
    'plain websocket: a text message past ws maxPayload closes with 1009; the handler sees 1009, no transport error',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/plain-small')), (c) => c.close());
      ws.socket.send('hello');
      assert.equal(await ws.message(0), 'hello');
      const seen = await messages.waitFor(
        (m) =>
          m.endpoint === '/plain-small' && m.message === 'hello' && !closes.items.some((c) => c.session === m.session),
        'onMessage',
      );
      ws.socket.send('a'.repeat(1000));
      assert.equal((await ws.waitForClose()).code, 1009);
      const closed = await closes.waitFor((c) => c.session === seen.session, 'onClose');
      assert.deepEqual(closed.info, { code: 1009, reason: 'Message too big' }, 'onClose');
      assert.equal(
        errors.count((e) => e.session === seen.session),
        0,
        `onTransportError: ${errors.items
          .filter((e) => e.session === seen.session)
          .map((e) => e.error.message)
          .join()}`,
      );
    },
  );

  test(
    'xhr_send: a message over the limit is answered 413 and not delivered; the session stays open',
    { timeout: 10_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/small');
      await xhr.open();
      const refused = await xhr.send(['fits', 'é'.repeat(51)]);
      assert.equal(refused.status, 413);
      assert.equal(refused.body, 'Payload too large.');
      assert.equal((await xhr.send(['é'.repeat(50)])).status, 204);
      assert.equal(await xhr.pollFrame(), `a["${'é'.repeat(50)}"]`);
      assert.equal(
        messages.count((m) => m.session.id === xhr.id),
        1,
        'nothing of the refused body was delivered',
      );
    },
  );

  test('jsonp_send: a message over the limit is answered 413', { timeout: 10_000 }, async () => {
    const base = `/small/000/${randomUUID()}`;
    assert.equal((await GET(running().port, `${base}/jsonp?c=cb`)).status, 200);
    const refused = await POST(running().port, `${base}/jsonp_send`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'd=' + encodeURIComponent(JSON.stringify(['q'.repeat(101)])),
    });
    assert.equal(refused.status, 413);
  });

  for (const transport of ['xhr-streaming', 'xhr-polling'] as const) {
    test(`sockjs-client over ${transport}: messages within the limit echo`, { timeout: 15_000 }, async () => {
      const client = connectSockJs(running().baseUrl + '/small', transport, resources);
      await client.opened;
      client.sock.send('é'.repeat(50));
      assert.equal(await client.message(0), 'é'.repeat(50));
      client.sock.close();
    });
  }
});

describe('maxBinaryMessageBytes', () => {
  test(
    'plain websocket: 50 binary bytes pass, 51 close with 1009 "Message too big" (handler too)',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/plain-bin')), (c) => c.close());
      const { session } = await opens.waitFor((o) => o.endpoint === '/plain-bin', 'onOpen');
      ws.socket.send(Buffer.alloc(50, 1), { binary: true });
      assert.equal(await ws.message(0), '<binary>' + '01'.repeat(50));
      ws.socket.send(Buffer.alloc(51, 1), { binary: true });
      assert.deepEqual(await ws.waitForClose(), { code: 1009, reason: 'Message too big' });
      assert.deepEqual((await closes.waitFor((c) => c.session === session, 'onClose')).info, {
        code: 1009,
        reason: 'Message too big',
      });
    },
  );

  test(
    'plain websocket: a binary message past ws maxPayload (the larger limit) closes with 1009; the handler sees 1009, no transport error',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/plain-small')), (c) => c.close());
      ws.socket.send(Buffer.alloc(200, 1), { binary: true });
      assert.equal(await ws.message(0), '<binary>' + '01'.repeat(200));
      const { session } = await opens.waitFor(
        (o) => o.endpoint === '/plain-small' && !closes.items.some((c) => c.session === o.session),
        'onOpen',
      );
      ws.socket.send(Buffer.alloc(201, 1), { binary: true });
      assert.equal((await ws.waitForClose()).code, 1009);
      const closed = await closes.waitFor((c) => c.session === session, 'onClose');
      assert.deepEqual(closed.info, { code: 1009, reason: 'Message too big' }, 'onClose');
      assert.equal(
        errors.count((e) => e.session === session),
        0,
        `onTransportError: ${errors.items
          .filter((e) => e.session === session)
          .map((e) => e.error.message)
          .join()}`,
      );
    },
  );
});

describe('maxRequestBytes', () => {
  test(
    'an xhr_send body over maxRequestBytes (declared Content-Length) is answered 413, even of small messages',
    { timeout: 10_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/small');
      await xhr.open();
      const batch = Array.from({ length: 30 }, (_, i) => `message ${i} `.padEnd(40, '.'));
      assert.ok(JSON.stringify(batch).length > 1000);
      const refused = await xhr.send(batch);
      assert.equal(refused.status, 413);
      assert.equal(
        messages.count((m) => m.session.id === xhr.id),
        0,
      );
      const fits = batch.slice(0, 20);
      assert.ok(JSON.stringify(fits).length <= 1000);
      assert.equal((await xhr.send(fits)).status, 204);
      assert.deepEqual(await xhr.pollMessages(20), fits);
    },
  );

  test('a huge chunked xhr_send body is cut off with 413 while it streams in', { timeout: 10_000 }, async () => {
    const xhr = new XhrPollingSession(running().port, '/small');
    await xhr.open();
    const conn = resources.add(await RawHttpConnection.connect(running().port), (c) => c.destroy());
    await conn.sendRequest({
      method: 'POST',
      path: `${xhr.base}/xhr_send`,
      headers: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' },
      omitContentLength: true,
    });
    // 4 KiB of a JSON array that never ends: the server must not wait for the end.
    const part = '["' + 'w'.repeat(4096);
    await conn.write(`${part.length.toString(16)}\r\n${part}\r\n`);
    const head = await conn.readHead();
    assert.equal(head.status, 413);
    assert.equal(
      messages.count((m) => m.session.id === xhr.id),
      0,
    );
  });
});

describe('idleTimeout', () => {
  test(
    'raw xhr-polling: an idle session gets c[1001,"Idle timeout"] on its pending poll (heartbeats do not count)',
    { timeout: 10_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/idle');
      await xhr.open();
      const frames: string[] = [];
      for (let i = 0; i < 50; i++) {
        const frame = await xhr.pollFrame();
        frames.push(frame);
        if (frame.startsWith('c[')) break;
      }
      assert.equal(frames.at(-1), 'c[1001,"Idle timeout"]');
      assert.ok(
        frames.slice(0, -1).every((f) => f === 'h'),
        `only heartbeats before the close: ${frames.join(' ')}`,
      );
      assert.deepEqual((await closes.waitFor((c) => c.session.id === xhr.id, 'onClose')).info, {
        code: 1001,
        reason: 'Idle timeout',
      });
    },
  );

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(
      `sockjs-client over ${transport}: an idle session closes with 1001 "Idle timeout"`,
      { timeout: 10_000 },
      async () => {
        const client = connectSockJs(running().baseUrl + '/idle', transport, resources);
        await client.opened;
        const closed = await withTimeout(client.closed, 'the idle close');
        assert.equal(closed.code, 1001);
        assert.equal(closed.reason, 'Idle timeout');
      },
    );
  }

  test(
    'sockjs-client over websocket: a client that keeps sending stays open past several idle timeouts',
    { timeout: 15_000 },
    async () => {
      const client = connectSockJs(running().baseUrl + '/idle', 'websocket', resources);
      await client.opened;
      const started = Date.now();
      let sent = 0;
      // A message every 100 ms (idleTimeout 600 ms) for over a second.
      while (Date.now() - started < 2000) {
        client.sock.send(`keepalive ${sent}`);
        assert.equal(await client.message(sent), `keepalive ${sent}`);
        sent++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(client.sock.readyState, 1, 'still open');
      const stopped = Date.now();
      const closed = await withTimeout(client.closed, 'the idle close after the client went quiet');
      assert.equal(closed.code, 1001);
      assert.ok(Date.now() - stopped >= 150, 'closed only once quiet');
    },
  );

  test(
    'plain websocket: idle → 1001 "Idle timeout"; one that keeps sending stays open',
    { timeout: 15_000 },
    async () => {
      const idle = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/plain-idle')), (c) => c.close());
      const busy = resources.add(await WsClient.open(wsUrl(running().baseUrl, '/plain-idle')), (c) => c.close());
      const started = Date.now();
      let sent = 0;
      while (Date.now() - started < 1500) {
        busy.socket.send(`b${sent}`);
        assert.equal(await busy.message(sent), `b${sent}`);
        sent++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(await idle.waitForClose(), { code: 1001, reason: 'Idle timeout' });
      assert.equal(busy.isClosed, false);
      assert.deepEqual(await busy.waitForClose(), { code: 1001, reason: 'Idle timeout' });
    },
  );
});

describe('sendHighWaterMark and onDrain', () => {
  /** A 20-byte message. */
  const msg = (i: number): string => `m${String(i).padStart(2, '0')}-`.padEnd(20, '.');

  test(
    'xhr-polling: send() says false from the high-water mark on (still queued); onDrain fires once a poll empties the queue',
    { timeout: 10_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/hwm');
      await xhr.open();
      const { session } = await opens.waitFor((o) => o.session.id === xhr.id, 'onOpen');
      const results = Array.from({ length: 6 }, (_, i) => session.send(msg(i)));
      assert.deepEqual(results, [true, true, true, false, false, false]);
      assert.equal(session.bufferedAmount, 120);
      assert.equal(
        drains.count((d) => d.session === session),
        0,
        'no onDrain while the queue is full',
      );
      assert.deepEqual(await xhr.pollMessages(6), [0, 1, 2, 3, 4, 5].map(msg), 'every message was queued');
      await drains.waitFor((d) => d.session === session, 'onDrain');
      assert.equal(session.bufferedAmount, 0);
      assert.equal(
        drains.count((d) => d.session === session),
        1,
        'one onDrain',
      );
      assert.equal(session.send(msg(6)), true);
    },
  );

  test(
    'xhr-streaming: sends of one tick pile up to the mark, then onDrain once they are written',
    { timeout: 10_000 },
    async () => {
      const id = randomUUID();
      const stream = resources.add(await HttpStream.open(running().port, 'POST', `/hwm/000/${id}/xhr_streaming`), (s) =>
        s.close(),
      );
      const { session } = await opens.waitFor((o) => o.session.id === id, 'onOpen');
      await stream.waitFor((text) => text.endsWith('o\n'), 'the open frame');
      const results = Array.from({ length: 5 }, (_, i) => session.send(msg(i)));
      assert.deepEqual(results, [true, true, true, false, false]);
      await drains.waitFor((d) => d.session === session, 'onDrain');
      const received = await stream.waitFor(
        (text) =>
          framesOf(text)
            .filter((f) => f.startsWith('a['))
            .flatMap(messagesOf).length >= 5,
        'the messages',
      );
      assert.deepEqual(
        framesOf(received)
          .filter((f) => f.startsWith('a['))
          .flatMap(messagesOf),
        [0, 1, 2, 3, 4].map(msg),
      );
    },
  );

  test(
    'SockJS websocket: sends of one tick pile up to the mark (false), then onDrain once the frame is written',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, sockjsWsPath('/hwm'))), (c) => c.close());
      assert.equal(await ws.message(0), 'o');
      const { session } = await opens.waitFor(
        (o) => o.endpoint === '/hwm' && o.session.transport === 'websocket',
        'onOpen',
      );
      const results = Array.from({ length: 5 }, (_, i) => session.send(msg(i)));
      assert.deepEqual(results, [true, true, true, false, false]);
      await drains.waitFor((d) => d.session === session, 'onDrain');
      assert.equal(await ws.message(1), 'a' + JSON.stringify([0, 1, 2, 3, 4].map(msg)), 'one frame with every message');
      assert.equal(session.bufferedAmount, 0);
    },
  );

  test(
    'plain websocket with a paused reader: send() turns false, onDrain fires once the reader resumes',
    { timeout: 30_000 },
    async () => {
      const answer = await rawUpgrade(running().port, '/plain-hwm');
      resources.add(answer.conn, (c) => c.destroy());
      assert.equal(answer.head.status, 101);
      answer.conn.pause();
      const { session } = await opens.waitFor((o) => o.endpoint === '/plain-hwm', 'onOpen');
      const big = 'p'.repeat(64 * 1024);
      let sent = 0;
      let accepted = true;
      while (accepted && sent < 2000) {
        accepted = session.send(big);
        sent++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(accepted, false, `send() never said false in ${sent} messages of 64 KiB`);
      assert.ok(session.bufferedAmount >= 64 * 1024);
      assert.equal(
        drains.count((d) => d.session === session),
        0,
      );
      // Read (and discard) everything: the server's buffer empties.
      answer.conn.discardIncoming();
      await drains.waitFor((d) => d.session === session, 'onDrain after the reader resumed', 20_000);
      assert.equal(session.send('after drain'), true);
    },
  );
});
