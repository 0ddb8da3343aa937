/**
 * Handler decorators: decorate()/addDecorators() order, logging, exceptionHandling (1011 and
 * onTransportError), perConnection (one instance per session) and sendLimits (terminate with 4500
 * on a full buffer or a long block, drop the oldest held messages).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  SockJsError,
  decorate,
  exceptionHandling,
  logging,
  perConnection,
  sendLimits,
  type CloseInfo,
  type HandlerDecorator,
  type SockJsHandler,
  type SockJsSession,
} from '../../server';
import { Events } from '../support/events';
import { RecordingLogger } from '../support/logger';
import { POST } from '../support/raw-http';
import { rawUpgrade } from '../support/raw-ws';
import { Resources } from '../support/resources';
import { sockjsWsPath, wsUrl } from '../support/sockjs';
import { connectSockJs, NODE_CLIENT_TRANSPORTS } from '../support/sockjs-client';
import { startApp, useSpringApp } from '../support/spring';
import { withTimeout } from '../support/wait';
import { WsClient } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

/** A decorator that records `name` on every onMessage, before passing it on. */
function tracing(name: string, trace: string[]): HandlerDecorator {
  return (inner) => ({
    ...inner,
    onMessage(session, message) {
      trace.push(name);
      return inner.onMessage?.(session, message);
    },
  });
}

describe('decorate() and addDecorators(): the first decorator is outermost', () => {
  const resources = new Resources();
  after(() => resources.closeAll());

  test('decorate(handler, a, b, c) calls a, then b, then c, then the handler', { timeout: 5_000 }, async () => {
    const trace: string[] = [];
    const handler: SockJsHandler = {
      onMessage() {
        trace.push('handler');
      },
    };
    const decorated = decorate(handler, tracing('a', trace), tracing('b', trace), tracing('c', trace));
    await decorated.onMessage?.({} as SockJsSession, 'x');
    assert.deepEqual(trace, ['a', 'b', 'c', 'handler']);
    assert.equal(decorate(handler), handler, 'no decorators: the handler itself');
  });

  test('addDecorators(a).addDecorators(b, c) on a live session: a, b, c, handler', { timeout: 10_000 }, async () => {
    const trace: string[] = [];
    const app = resources.add(
      await startApp((registry) => {
        registry
          .addHandler(
            {
              onMessage(session, message) {
                trace.push('handler');
                session.send(trace.join('>'));
                trace.length = 0;
                void message;
              },
            },
            '/traced',
          )
          .addDecorators(tracing('a', trace))
          .addDecorators(tracing('b', trace), tracing('c', trace))
          .withSockJS();
      }),
      (a) => a.close(),
    );
    for (const transport of NODE_CLIENT_TRANSPORTS) {
      const client = connectSockJs(app.baseUrl + '/traced', transport, resources);
      await client.opened;
      client.sock.send('x');
      assert.equal(await client.message(0), 'a>b>c>handler', transport);
      client.sock.close();
    }
  });
});

describe('logging()', () => {
  const log = new RecordingLogger();
  const { running, resources } = useSpringApp((registry) => {
    registry
      .addHandler(
        {
          onMessage(session, message) {
            if (message === 'fail') throw new Error('handler failed');
            if (message === 'bye') return session.close(3001, 'done');
            session.send(message);
          },
        },
        '/logged',
      )
      .setPrincipalResolver(() => ({ name: 'carol' }))
      .addDecorators(logging(log))
      .withSockJS();
  });

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(
      `${transport}: open and close at info, messages at debug, with session, transport and user`,
      { timeout: 15_000 },
      async () => {
        const client = connectSockJs(running().baseUrl + '/logged', transport, resources);
        await client.opened;
        const open = await log.waitFor(
          (e) => e.msg === 'session opened' && e.obj['transport'] === transport,
          'the open log',
        );
        const id = open.obj['session'];
        assert.equal(open.level, 'info');
        assert.equal(open.obj['user'], 'carol');
        assert.equal(typeof id, 'string');
        client.sock.send('héllo');
        assert.equal(await client.message(0), 'héllo');
        const message = await log.waitFor((e) => e.msg === 'message' && e.obj['session'] === id, 'the message log');
        assert.equal(message.level, 'debug');
        assert.equal(message.obj['bytes'], 'héllo'.length);
        client.sock.send('bye');
        assert.equal((await withTimeout(client.closed, 'the server close')).code, 3001);
        const closed = await log.waitFor((e) => e.msg === 'session closed' && e.obj['session'] === id, 'the close log');
        assert.equal(closed.level, 'info');
        assert.equal(closed.obj['code'], 3001);
        assert.equal(closed.obj['reason'], 'done');
        assert.deepEqual(
          log.entries.filter((e) => e.obj['session'] === id).map((e) => e.msg),
          ['session opened', 'message', 'message', 'session closed'],
        );
      },
    );
  }

  test('a handler that throws: the transport error is logged at warn', { timeout: 10_000 }, async () => {
    const client = connectSockJs(running().baseUrl + '/logged', 'websocket', resources);
    await client.opened;
    client.sock.send('fail');
    const closed = await withTimeout(client.closed, 'the 1011 close');
    assert.equal(closed.code, 1011);
    const warn = await log.waitFor((e) => e.msg === 'transport error', 'the warn log');
    assert.equal(warn.level, 'warn');
    assert.ok(warn.obj['err'] instanceof SockJsError);
  });
});

describe('exceptionHandling()', () => {
  const errors = new Events<{ session: SockJsSession; error: Error }>();
  const closes = new Events<{ session: SockJsSession; info: CloseInfo }>();
  const endpointLog = new RecordingLogger();
  const handler: SockJsHandler = {
    onOpen(session) {
      if (session.attributes.get('fail-open') === true) throw new Error('open failed');
    },
    async onMessage(session, message) {
      if (message === 'throw') throw new Error('thrown by onMessage');
      if (message === 'reject') {
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error('rejected by onMessage');
      }
      session.send(message);
    },
    onTransportError(session, error) {
      errors.push({ session, error });
    },
    onClose(session, info) {
      closes.push({ session, info });
    },
  };
  const { running, resources } = useSpringApp(
    (registry) => {
      registry
        .addHandler(handler, '/guarded')
        .addInterceptors({
          beforeHandshake: (h) => void h.attributes.set('fail-open', h.req.url?.includes('fail-open') === true),
        })
        .addDecorators(exceptionHandling())
        .withSockJS();
    },
    { logger: endpointLog },
  );

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    for (const how of ['throw', 'reject'] as const) {
      test(
        `${transport}: an onMessage that ${how}s closes the session with 1011 "Server error" and reaches onTransportError`,
        { timeout: 15_000 },
        async () => {
          const client = connectSockJs(running().baseUrl + '/guarded', transport, resources);
          await client.opened;
          client.sock.send('fine');
          assert.equal(await client.message(0), 'fine');
          client.sock.send(how);
          const closed = await withTimeout(client.closed, 'the 1011 close');
          assert.equal(closed.code, 1011);
          assert.equal(closed.reason, 'Server error');
          const reported = await errors.waitFor(
            (e) =>
              e.error.message.includes(`${how === 'throw' ? 'thrown' : 'rejected'} by onMessage`) &&
              e.session.transport === transport,
            'onTransportError',
          );
          assert.ok(reported.error instanceof SockJsError);
          assert.equal(reported.error.code, 'ERR_HANDLER_FAILED');
          assert.ok(reported.error.cause instanceof Error);
          const onClose = await closes.waitFor((c) => c.session === reported.session, 'onClose');
          assert.deepEqual(onClose.info, { code: 1011, reason: 'Server error' });
        },
      );
    }
  }

  test('raw xhr-polling: the next poll answers c[1011,"Server error"]', { timeout: 10_000 }, async () => {
    const xhr = new XhrPollingSession(running().port, '/guarded');
    await xhr.open();
    assert.equal((await xhr.send(['throw'])).status, 204);
    assert.equal(await xhr.pollFrame(), 'c[1011,"Server error"]');
    const reported = await errors.waitFor((e) => e.session.id === xhr.id, 'onTransportError');
    assert.match(reported.error.message, /thrown by onMessage/);
  });

  test(
    'raw websocket transport: the frame c[1011,"Server error"], then the websocket closes',
    { timeout: 10_000 },
    async () => {
      const ws = resources.add(await WsClient.open(wsUrl(running().baseUrl, sockjsWsPath('/guarded'))), (c) =>
        c.close(),
      );
      assert.equal(await ws.message(0), 'o');
      ws.socket.send('["reject"]');
      assert.equal(await ws.message(1), 'c[1011,"Server error"]');
      await ws.waitForClose();
    },
  );

  test('an onOpen that throws closes with 1011 too', { timeout: 10_000 }, async () => {
    const xhr = new XhrPollingSession(running().port, '/guarded');
    const response = await POST(running().port, `${xhr.base}/xhr?fail-open`);
    assert.equal(response.body, 'o\n');
    assert.equal(await xhr.pollFrame(), 'c[1011,"Server error"]');
  });

  test('the failures never reached the endpoint: nothing logged at error', { timeout: 5_000 }, () => {
    assert.deepEqual(
      endpointLog.entries.filter((e) => e.level === 'error'),
      [],
    );
  });
});

describe('perConnection()', () => {
  const resources = new Resources();
  after(() => resources.closeAll());

  test(
    'one handler instance per session: state in plain fields is not shared; onClose reaches the right one',
    { timeout: 15_000 },
    async () => {
      let created = 0;
      const closedInstances = new Events<string>();
      class Counter implements SockJsHandler {
        private count = 0;
        readonly name: string;
        constructor(session: SockJsSession) {
          created++;
          this.name = `#${created}/${session.transport}`;
        }
        onOpen(session: SockJsSession): void {
          session.send(`${this.name} open`);
        }
        onMessage(session: SockJsSession): void {
          this.count++;
          session.send(`${this.name} ${this.count}`);
        }
        onClose(): void {
          closedInstances.push(this.name);
        }
      }
      const app = resources.add(
        await startApp((registry) => {
          registry
            .addHandler(
              perConnection((session) => new Counter(session)),
              '/counter',
            )
            .withSockJS();
          registry.addHandler(
            perConnection((session) => new Counter(session)),
            '/plain-counter',
          );
        }),
        (a) => a.close(),
      );
      const first = connectSockJs(app.baseUrl + '/counter', 'websocket', resources);
      await first.opened;
      const second = connectSockJs(app.baseUrl + '/counter', 'xhr-polling', resources);
      await second.opened;
      assert.equal(await first.message(0), '#1/websocket open');
      assert.equal(await second.message(0), '#2/xhr-polling open');
      first.sock.send('x');
      assert.equal(await first.message(1), '#1/websocket 1');
      first.sock.send('x');
      assert.equal(await first.message(2), '#1/websocket 2');
      second.sock.send('x');
      assert.equal(await second.message(1), '#2/xhr-polling 1', 'the second instance counts from 1');
      first.sock.send('x');
      assert.equal(await first.message(3), '#1/websocket 3');
      assert.equal(created, 2);
      second.sock.close();
      assert.equal(await closedInstances.waitFor((n) => n.startsWith('#2'), 'onClose of #2'), '#2/xhr-polling');
      assert.deepEqual(closedInstances.items, ['#2/xhr-polling']);

      // A plain endpoint: binary to an instance without onBinaryMessage closes with 1003.
      const plain = resources.add(await WsClient.open(wsUrl(app.baseUrl, '/plain-counter')), (c) => c.close());
      assert.equal(await plain.message(0), '#3/websocket-raw open');
      plain.socket.send(Buffer.from([1]), { binary: true });
      assert.equal((await plain.waitForClose()).code, 1003);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// sendLimits

/** A 20-byte message: `m07-...............`. */
const msg = (i: number): string => `m${String(i).padStart(2, '0')}-`.padEnd(20, '.');

interface LimitedEndpoint {
  sessions: Events<SockJsSession>;
  closes: Events<{ session: SockJsSession; info: CloseInfo }>;
  drains: Events<SockJsSession>;
}

function limitedHandler(): LimitedEndpoint & { handler: SockJsHandler } {
  const seen: LimitedEndpoint = { sessions: new Events(), closes: new Events(), drains: new Events() };
  return {
    ...seen,
    handler: {
      onOpen(session) {
        seen.sessions.push(session);
      },
      onMessage(session, message) {
        session.send(message);
      },
      onDrain(session) {
        seen.drains.push(session);
      },
      onClose(session, info) {
        seen.closes.push({ session, info: { ...info } });
      },
    },
  };
}

describe('sendLimits()', () => {
  const terminate = limitedHandler();
  const timed = limitedHandler();
  const drop = limitedHandler();
  const ws = limitedHandler();
  const ordered = limitedHandler();
  const byHand = limitedHandler();
  const perSession = limitedHandler();
  const orderedLimits = (): HandlerDecorator =>
    sendLimits({ sendTimeLimit: 60_000, bufferSizeLimit: 10_000, overflow: 'terminate' });
  const { running, resources } = useSpringApp((registry) => {
    // 64-byte high-water mark: the fourth 20-byte message blocks the session.
    registry
      .addHandler(terminate.handler, '/terminate')
      .addDecorators(sendLimits({ sendTimeLimit: 60_000, bufferSizeLimit: 100, overflow: 'terminate' }))
      .setLimits({ sendHighWaterMark: 64 })
      .withSockJS({ disconnectDelay: 30_000 });
    registry
      .addHandler(timed.handler, '/timed')
      .addDecorators(sendLimits({ sendTimeLimit: 300, bufferSizeLimit: 10_000, overflow: 'terminate' }))
      .setLimits({ sendHighWaterMark: 64 })
      .withSockJS({ disconnectDelay: 30_000 });
    registry
      .addHandler(drop.handler, '/drop')
      .addDecorators(sendLimits({ sendTimeLimit: 60_000, bufferSizeLimit: 100, overflow: 'drop' }))
      .setLimits({ sendHighWaterMark: 64 })
      .withSockJS({ disconnectDelay: 30_000 });
    registry
      .addHandler(ordered.handler, '/ordered')
      .addDecorators(sendLimits({ sendTimeLimit: 60_000, bufferSizeLimit: 10_000, overflow: 'terminate' }))
      .setLimits({ sendHighWaterMark: 64 })
      .withSockJS({ disconnectDelay: 30_000 });
    // Composed without decorate(): the outer decorators must still show sessions as sendLimits does.
    registry
      .addHandler(
        exceptionHandling()(logging(new RecordingLogger())(orderedLimits()(byHand.handler))),
        '/ordered-by-hand',
      )
      .setLimits({ sendHighWaterMark: 64 })
      .withSockJS({ disconnectDelay: 30_000 });
    // One sendLimits per session: sessions are seen as each one's instance sees them.
    registry
      .addHandler(
        perConnection(() => decorate(perSession.handler, orderedLimits())),
        '/ordered-per-connection',
      )
      .setLimits({ sendHighWaterMark: 64 })
      .withSockJS({ disconnectDelay: 30_000 });
    registry
      .addHandler(ws.handler, '/ws-limited')
      .addDecorators(sendLimits({ sendTimeLimit: 60_000, bufferSizeLimit: 256 * 1024, overflow: 'terminate' }))
      .setLimits({ sendHighWaterMark: 1024 })
      .withSockJS();
  });

  test('sendLimits() refuses bad limits', { timeout: 5_000 }, () => {
    assert.throws(() => sendLimits({ sendTimeLimit: 0, bufferSizeLimit: 1, overflow: 'drop' }), /sendLimits needs/);
    assert.throws(() => sendLimits({ sendTimeLimit: 1, bufferSizeLimit: 1.5, overflow: 'drop' }), /sendLimits needs/);
    assert.throws(
      () => sendLimits({ sendTimeLimit: 1, bufferSizeLimit: 1, overflow: 'block' as 'drop' }),
      /sendLimits needs/,
    );
  });

  test(
    "'terminate': a client that never polls; crossing bufferSizeLimit closes with 4500, the queued messages then the close frame reach the client",
    { timeout: 15_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/terminate');
      await xhr.open();
      const session = await terminate.sessions.waitFor((s) => s.id === xhr.id, 'onOpen');
      const results: boolean[] = [];
      // 4 reach the session's queue (the 4th blocks it), 5 are held (100 bytes), the 10th overflows.
      for (let i = 0; i < 10; i++) results.push(session.send(msg(i)));
      assert.deepEqual(results, [true, true, true, true, true, true, true, true, true, false]);
      const closed = await terminate.closes.waitFor((c) => c.session.id === xhr.id, 'onClose');
      assert.equal(closed.info.code, 4500);
      assert.equal(closed.info.reason, 'Send limit exceeded: buffer over 100 bytes');
      assert.equal(session.send('after'), false, 'nothing is sent once closed');
      const { messages, close } = await xhr.pollUntilClose();
      assert.deepEqual(
        messages,
        [msg(0), msg(1), msg(2), msg(3)],
        'what the session had queued; the held ones are gone',
      );
      assert.equal(close, 'c[4500,"Send limit exceeded: buffer over 100 bytes"]');
    },
  );

  test(
    "'terminate': a client that stops polling is closed with 4500 once blocked for sendTimeLimit",
    { timeout: 15_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/timed');
      await xhr.open();
      const session = await timed.sessions.waitFor((s) => s.id === xhr.id, 'onOpen');
      // While the client polls, the session drains and never stays blocked.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 4; i++) assert.equal(session.send(msg(round * 4 + i)), true);
        assert.equal(session.bufferedAmount, 80);
        assert.deepEqual(
          await xhr.pollMessages(4),
          [0, 1, 2, 3].map((i) => msg(round * 4 + i)),
        );
      }
      // Then it stops polling: blocked from the 4th message on.
      const blockedAt = Date.now();
      for (let i = 0; i < 6; i++) assert.equal(session.send(msg(50 + i)), true);
      assert.equal(session.bufferedAmount, 120, 'the queue plus what the decorator holds');
      const closed = await timed.closes.waitFor((c) => c.session.id === xhr.id, 'onClose after sendTimeLimit');
      assert.ok(Date.now() - blockedAt >= 290, `closed after ${Date.now() - blockedAt} ms, sendTimeLimit is 300`);
      assert.equal(closed.info.code, 4500);
      assert.equal(closed.info.reason, 'Send limit exceeded: blocked for over 300 ms');
      const { close } = await xhr.pollUntilClose();
      assert.equal(close, 'c[4500,"Send limit exceeded: blocked for over 300 ms"]');
    },
  );

  test(
    "'drop': the oldest held messages are dropped; the newest within bufferSizeLimit arrive once the client polls again",
    { timeout: 15_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/drop');
      await xhr.open();
      const session = await drop.sessions.waitFor((s) => s.id === xhr.id, 'onOpen');
      const results: boolean[] = [];
      for (let i = 0; i < 20; i++) results.push(session.send(msg(i)));
      assert.ok(
        results.every((r) => r),
        'drop mode accepts every message that fits the buffer',
      );
      assert.equal(session.bufferedAmount, 80 + 100, 'the queue (4 messages) plus a full buffer (5 messages)');
      assert.equal(
        drop.drains.count((s) => s.id === xhr.id),
        0,
      );
      const received = await xhr.pollMessages(9);
      assert.deepEqual(
        received,
        [0, 1, 2, 3, 15, 16, 17, 18, 19].map(msg),
        'messages 4 to 14 were dropped, oldest first',
      );
      await drop.drains.waitFor((s) => s.id === xhr.id, 'onDrain once nothing is held any more');
      assert.equal(session.bufferedAmount, 0);
      // Unblocked: the session carries on normally.
      assert.equal(session.send('later'), true);
      assert.deepEqual(await xhr.pollMessages(1), ['later']);
    },
  );

  test(
    "'drop': a message larger than bufferSizeLimit is refused (false) while blocked",
    { timeout: 10_000 },
    async () => {
      const xhr = new XhrPollingSession(running().port, '/drop');
      await xhr.open();
      const session = await drop.sessions.waitFor((s) => s.id === xhr.id, 'onOpen');
      for (let i = 0; i < 4; i++) session.send(msg(i));
      assert.equal(session.send('x'.repeat(101)), false);
      assert.equal(session.send(msg(4)), true);
      assert.deepEqual(await xhr.pollMessages(5), [0, 1, 2, 3, 4].map(msg));
    },
  );

  test(
    "'terminate' over a websocket whose reader is paused (raw TCP): 4500 once the socket and the buffer are full",
    { timeout: 30_000 },
    async () => {
      const answer = await rawUpgrade(running().port, sockjsWsPath('/ws-limited'));
      resources.add(answer.conn, (c) => c.destroy());
      assert.equal(answer.head.status, 101);
      answer.conn.pause();
      const session = await ws.sessions.waitFor(() => true, 'onOpen');
      const big = 'z'.repeat(64 * 1024);
      let sent = 0;
      // Until the kernel buffers, the socket's and the 256 KiB the decorator may hold are full.
      while (ws.closes.items.length === 0 && sent < 2000) {
        session.send(big);
        sent++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const closed = await ws.closes.waitFor(() => true, 'onClose');
      assert.equal(closed.info.code, 4500);
      assert.equal(closed.info.reason, 'Send limit exceeded: buffer over 262144 bytes');
      assert.ok(sent > 4, `${sent} messages of 64 KiB sent before the close`);
    },
  );

  for (const [path, seen] of [
    ['/ordered', ordered],
    ['/ordered-by-hand', byHand],
    ['/ordered-per-connection', perSession],
  ] as const) {
    test(
      `endpoint(${path}).broadcast/sendTo to a blocked session keeps the order of what was sent (held messages first)`,
      { timeout: 10_000 },
      async () => {
        const xhr = new XhrPollingSession(running().port, path);
        await xhr.open();
        const session = await seen.sessions.waitFor((s) => s.id === xhr.id, 'onOpen');
        // m00-m03 reach the session's queue (m03 blocks it), m04 and m05 are held by the decorator.
        for (let i = 0; i < 6; i++) assert.equal(session.send(msg(i)), true);
        const endpoint = running().registry.endpoint(path);
        assert.equal(endpoint.broadcast('broadcast after m05'), 1);
        assert.equal(endpoint.sendTo(xhr.id, 'sendTo after that'), true);
        const received = await xhr.pollMessages(8);
        assert.deepEqual(received, [...[0, 1, 2, 3, 4, 5].map(msg), 'broadcast after m05', 'sendTo after that']);
      },
    );
  }
});
