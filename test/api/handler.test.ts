/** The handler interface: callback order, onClose exactly once, async and failing callbacks, session fields. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  CloseCode,
  ReadyState,
  SockJsError,
  isSockJsError,
  type EndpointOptions,
  type SockJsEndpoint,
  type SockJsHandler,
  type SockJsSession,
} from '../../server';
import { Deferred } from '../support/deferred';
import { HttpStream } from '../support/http-stream';
import { RecordingLogger } from '../support/logger';
import { request } from '../support/raw-http';
import { Recorder, type Hooks } from '../support/recorder';
import { Resources } from '../support/resources';
import { serveEndpoints, type ExpressServer } from '../support/servers';
import { messagesOf, newSessionId, readMessages, wsUrl } from '../support/sockjs';
import { delay, until, withTimeout } from '../support/wait';
import { WsClient, wsRefusal } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

const resources = new Resources();
after(() => resources.closeAll());

interface Fixture {
  server: ExpressServer;
  endpoint: SockJsEndpoint;
  recorder: Recorder;
  logger: RecordingLogger;
  port: number;
  /** Opens a SockJS websocket session and reads its `o`. */
  websocket(headers?: Record<string, string>): Promise<WsClient>;
  /** Opens a raw websocket session. */
  raw(headers?: Record<string, string>): Promise<WsClient>;
  /** Opens an xhr-streaming receiver for `id` and waits for `o`. */
  streaming(id: string, headers?: Record<string, string>): Promise<HttpStream>;
  /** `POST .../xhr` for `id`: the frame it returned. */
  poll(id: string, headers?: Record<string, string>): Promise<string>;
  /** `POST .../xhr_send` for `id`; expects 204. */
  send(id: string, messages: string[]): Promise<void>;
}

/** One Express server with one endpoint at /t whose handler records into a Recorder. */
async function fixture(hooks: Hooks = {}, options: Partial<EndpointOptions> = {}): Promise<Fixture> {
  const recorder = new Recorder(hooks);
  const logger = new RecordingLogger();
  const server = resources.add(
    await serveEndpoints([{ prefix: '/t', handler: recorder.handler, logger, ...options }]),
    (s) => s.close(),
  );
  const endpoint = server.endpoints[0] as SockJsEndpoint;
  const port = server.port;
  return {
    server,
    endpoint,
    recorder,
    logger,
    port,
    async websocket(headers) {
      const ws = resources.add(
        await WsClient.open(wsUrl(server.baseUrl, `/t/000/${newSessionId()}/websocket`), headers ? { headers } : {}),
        (w) => w.close(),
      );
      assert.equal(await ws.next('the open frame'), 'o');
      return ws;
    },
    async raw(headers) {
      return resources.add(
        await WsClient.open(wsUrl(server.baseUrl, '/t/websocket'), headers ? { headers } : {}),
        (w) => w.close(),
      );
    },
    async streaming(id, headers) {
      const stream = resources.add(
        await HttpStream.open(port, 'POST', `/t/000/${id}/xhr_streaming`, headers ? { headers } : {}),
        (s) => s.close(),
      );
      assert.equal(stream.status, 200);
      await stream.waitFor((text) => text.includes('\no\n'), 'the open frame on xhr_streaming');
      return stream;
    },
    poll(id, headers) {
      return new XhrPollingSession(port, '/t', headers, id).pollFrame();
    },
    async send(id, messages) {
      const response = await new XhrPollingSession(port, '/t', {}, id).send(messages);
      assert.equal(response.status, 204, `xhr_send answered ${response.status}: ${response.body}`);
    },
  };
}

/** The frames an xhr-streaming response carried after its prelude and `o`. */
function streamedFrames(stream: HttpStream): string[] {
  const lines = stream.text.split('\n');
  return lines.slice(2, -1);
}

/** Waits until the endpoint has forgotten the session (its last step of closing). */
function forgotten(endpoint: SockJsEndpoint, session: SockJsSession): Promise<void> {
  return until(() => !endpoint.sessions.has(session.id), `session ${session.id} to be forgotten`);
}

describe('exports', () => {
  test('ReadyState numbers the states as the WebSocket API does', { timeout: 1000 }, () => {
    assert.deepEqual({ ...ReadyState }, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  });

  test('CloseCode has the codes the library documents for its own closes', { timeout: 1000 }, () => {
    assert.equal(CloseCode.NORMAL, 1000);
    assert.equal(CloseCode.GOING_AWAY, 1001);
    assert.equal(CloseCode.NO_STATUS, 1005);
    assert.equal(CloseCode.CONNECTION_LOST, 1006);
    assert.equal(CloseCode.SERVER_ERROR, 1011);
    assert.equal(CloseCode.BROKEN_FRAMING, 3000);
    for (const [name, code] of Object.entries(CloseCode)) {
      assert.ok(Number.isInteger(code) && code >= 1000 && code <= 4999, `${name} = ${code}`);
    }
  });
});

describe('callback order', () => {
  test('websocket: onOpen, then every onMessage in order, then onClose', { timeout: 10_000 }, async () => {
    const f = await fixture();
    const ws = await f.websocket();
    const session = await f.recorder.waitForOpen();
    ws.send('["1","2"]');
    ws.send('"3"');
    ws.send('["4","5","6"]');
    await f.recorder.waitFor((e) => e.kind === 'message' && e.message === '6', 'message 6');
    await ws.close(1000);
    await f.recorder.waitForClose(session);
    assert.deepEqual(f.recorder.trace(session), [
      'open',
      'message:1',
      'message:2',
      'message:3',
      'message:4',
      'message:5',
      'message:6',
      'close:1000',
    ]);
  });

  test(
    'xhr: onOpen, then every onMessage in order (several xhr_send requests), then onClose',
    { timeout: 10_000 },
    async () => {
      const f = await fixture({}, { disconnectDelay: 200 });
      const id = newSessionId();
      assert.equal(await f.poll(id), 'o');
      const session = await f.recorder.waitForOpen();
      await f.send(id, ['1', '2']);
      await f.send(id, ['3']);
      await f.send(id, ['4', '5']);
      assert.deepEqual(await f.recorder.waitForClose(session, 'onClose after the disconnect delay'), {
        code: 1006,
        reason: 'Connection lost',
      });
      assert.deepEqual(f.recorder.trace(session), [
        'open',
        'message:1',
        'message:2',
        'message:3',
        'message:4',
        'message:5',
        'close:1006',
      ]);
    },
  );
});

describe('onClose runs exactly once', () => {
  test(
    'client websocket close: once, and endpoint.close() afterwards does not report it again',
    { timeout: 10_000 },
    async () => {
      const f = await fixture();
      const ws = await f.websocket();
      const session = await f.recorder.waitForOpen();
      await ws.close(4000, 'done');
      assert.deepEqual(await f.recorder.waitForClose(session), { code: 4000, reason: 'done' });
      await forgotten(f.endpoint, session);
      await f.endpoint.close();
      assert.equal(f.recorder.count('close', session), 1);
      assert.equal(session.readyState, ReadyState.CLOSED);
    },
  );

  test(
    'server close() on a websocket: once, the client gets c[code,"reason"] and the socket closes',
    { timeout: 10_000 },
    async () => {
      const f = await fixture({
        onMessage(session, message) {
          if (message === 'close') session.close(4001, 'server done');
          session.close(4999, 'second close() is ignored');
        },
      });
      const ws = await f.websocket();
      const session = await f.recorder.waitForOpen();
      ws.send('["close"]');
      assert.equal(await ws.next('the close frame'), 'c[4001,"server done"]');
      await ws.waitForClose();
      assert.deepEqual(await f.recorder.waitForClose(session), { code: 4001, reason: 'server done' });
      await forgotten(f.endpoint, session);
      await f.endpoint.close();
      assert.equal(f.recorder.count('close', session), 1);
    },
  );

  test(
    'server close() on xhr-streaming: once, even after the disconnect delay and endpoint.close()',
    { timeout: 10_000 },
    async () => {
      const f = await fixture({}, { disconnectDelay: 200 });
      const id = newSessionId();
      const stream = await f.streaming(id);
      const session = await f.recorder.waitForOpen();
      session.close(4002, 'bye');
      await stream.waitFor((text) => text.endsWith('c[4002,"bye"]\n'), 'the close frame');
      assert.deepEqual(await f.recorder.waitForClose(session), { code: 4002, reason: 'bye' });
      // A receiver coming back while the session lingers gets the close frame again, no new session.
      const again = await request(f.port, 'POST', `/t/000/${id}/xhr_streaming`);
      assert.equal(again.body, 'h'.repeat(2048) + '\nc[4002,"bye"]\n');
      // Another transport kind may not use the session id at all (session binding): 404.
      await assert.rejects(f.poll(id), /404/);
      await forgotten(f.endpoint, session);
      await f.endpoint.close();
      assert.equal(f.recorder.count('close', session), 1);
      assert.equal(f.recorder.count('open'), 1);
    },
  );

  test(
    'xhr session not polled within disconnectDelay: once, with 1006 "Connection lost"',
    { timeout: 10_000 },
    async () => {
      const f = await fixture({}, { disconnectDelay: 200 });
      const id = newSessionId();
      assert.equal(await f.poll(id), 'o');
      const session = await f.recorder.waitForOpen();
      assert.deepEqual(await f.recorder.waitForClose(session, 'onClose after disconnectDelay'), {
        code: 1006,
        reason: 'Connection lost',
      });
      await forgotten(f.endpoint, session);
      await f.endpoint.close();
      assert.equal(f.recorder.count('close', session), 1);
    },
  );

  test(
    'an xhr-streaming client that drops its receiver mid-response: once, with 1002 "Connection interrupted"',
    { timeout: 10_000 },
    async () => {
      const f = await fixture({}, { disconnectDelay: 200 });
      const stream = await f.streaming(newSessionId());
      const session = await f.recorder.waitForOpen();
      stream.close();
      assert.deepEqual(await f.recorder.waitForClose(session), { code: 1002, reason: 'Connection interrupted' });
      await forgotten(f.endpoint, session);
      await f.endpoint.close();
      assert.equal(f.recorder.count('close', session), 1);
    },
  );

  test(
    'endpoint.close(): once per session with 1001, on websocket, raw websocket, xhr-streaming and idle xhr-polling sessions',
    { timeout: 10_000 },
    async () => {
      const f = await fixture();
      const ws = await f.websocket();
      const raw = await f.raw();
      const stream = await f.streaming(newSessionId());
      const pollId = newSessionId();
      assert.equal(await f.poll(pollId), 'o');
      await until(() => f.recorder.count('open') === 4, 'four sessions to open');
      const sessions = f.recorder.events.filter((e) => e.kind === 'open').map((e) => e.session);
      assert.deepEqual(sessions.map((s) => s.transport).sort(), [
        'websocket',
        'websocket-raw',
        'xhr-polling',
        'xhr-streaming',
      ]);

      await withTimeout(f.endpoint.close(), 'endpoint.close() to resolve');
      assert.equal(f.endpoint.sessions.size, 0, 'no sessions left once close() resolves');
      for (const session of sessions) {
        assert.equal(session.readyState, ReadyState.CLOSED, `${session.transport} session is CLOSED`);
        assert.deepEqual(
          await f.recorder.waitForClose(session),
          { code: 1001, reason: 'Going away' },
          session.transport,
        );
      }
      assert.equal(await ws.next('the close frame'), 'c[1001,"Going away"]');
      await ws.waitForClose();
      await raw.waitForClose();
      await stream.waitFor((text) => text.endsWith('c[1001,"Going away"]\n'), 'the close frame on xhr-streaming');
      assert.equal(f.recorder.count('close'), 4);
    },
  );

  test('after endpoint.close(), new websocket sessions are refused with 503', { timeout: 10_000 }, async () => {
    const f = await fixture();
    await f.endpoint.close();
    await assert.rejects(WsClient.open(wsUrl(f.server.baseUrl, `/t/000/${newSessionId()}/websocket`)), /HTTP 503/);
    await assert.rejects(WsClient.open(wsUrl(f.server.baseUrl, '/t/websocket')), /HTTP 503/);
    const refusal = await wsRefusal(wsUrl(f.server.baseUrl, `/t/000/${newSessionId()}/websocket`));
    assert.deepEqual(refusal, { status: 503, body: 'Server shutting down.' });
    assert.equal(f.recorder.count('open'), 0);
  });

  test('after endpoint.close(), new HTTP sessions are refused (no "o", no onOpen)', { timeout: 10_000 }, async () => {
    const f = await fixture();
    await f.endpoint.close();
    const response = await request(f.port, 'POST', `/t/000/${newSessionId()}/xhr`);
    assert.notEqual(response.body, 'o\n', `a new xhr session opened on a closed endpoint (HTTP ${response.status})`);
    // A clear refusal, on a connection not kept alive: the client's next try may reach another node.
    assert.equal(response.status, 503);
    assert.equal(response.body, 'Server shutting down.');
    assert.equal(response.header('connection'), 'close');
    assert.equal(f.endpoint.stats().refused.closing, 1);
    assert.equal(f.recorder.count('open'), 0, 'onOpen ran on a closed endpoint');
    assert.equal(f.endpoint.sessions.size, 0);
  });
});

describe('async callbacks', () => {
  test(
    'an async onMessage with varying delays handles messages one at a time, in arrival order',
    { timeout: 10_000 },
    async () => {
      let active = 0;
      let maxActive = 0;
      const finished: string[] = [];
      const f = await fixture({
        async onMessage(session, message) {
          active++;
          maxActive = Math.max(maxActive, active);
          // Earlier messages wait longer: overlapping calls would finish out of order.
          await delay(Math.max(0, 24 - Number(message) * 2));
          finished.push(message);
          active--;
          session.send(`done ${message}`);
        },
      });
      const ws = await f.websocket();
      const sent = Array.from({ length: 12 }, (_, i) => String(i));
      ws.send(JSON.stringify(sent.slice(0, 5)));
      for (const m of sent.slice(5)) ws.send(JSON.stringify([m]));
      assert.deepEqual(
        await readMessages(ws, sent.length, 5000),
        sent.map((m) => `done ${m}`),
      );
      assert.deepEqual(finished, sent);
      assert.equal(maxActive, 1, 'two onMessage calls overlapped');
    },
  );

  test('an async onOpen is awaited before the first onMessage runs', { timeout: 10_000 }, async () => {
    const f = await fixture({
      async onOpen(session) {
        await delay(30);
        session.attributes.set('ready', true);
      },
      onMessage(session, message) {
        session.send(`${message}:${String(session.attributes.get('ready'))}`);
      },
    });
    const ws = await f.websocket();
    ws.send('["first"]');
    assert.deepEqual(await readMessages(ws, 1), ['first:true']);
  });

  test(
    'async callbacks of one session never overlap, onClose included; another session is not held back',
    { timeout: 10_000 },
    async () => {
      const release = new Deferred<void>();
      const active = new Map<SockJsSession, number>();
      let overlapped = false;
      const enter = (session: SockJsSession): void => {
        const now = active.get(session) ?? 0;
        if (now > 0) overlapped = true;
        active.set(session, now + 1);
      };
      const leave = (session: SockJsSession): void => {
        active.set(session, (active.get(session) ?? 0) - 1);
      };
      const f = await fixture({
        async onMessage(session, message) {
          enter(session);
          if (message === 'slow') await release.promise;
          else session.send(message);
          leave(session);
        },
        onClose(session) {
          enter(session);
          leave(session);
        },
      });
      const slow = await f.websocket();
      const slowSession = await f.recorder.waitForOpen();
      slow.send('["slow"]');
      await f.recorder.waitFor((e) => e.kind === 'message' && e.message === 'slow', 'the slow message');
      // Another session is served while the first one's handler is still pending.
      const fast = await f.websocket();
      fast.send('["fast"]');
      assert.deepEqual(messagesOf(await fast.next('the fast echo')), ['fast']);
      await fast.close(1000);
      // The slow session's client leaves; its onClose must wait for the pending onMessage.
      await slow.close(1000);
      await forgotten(f.endpoint, slowSession);
      assert.equal(f.recorder.count('close', slowSession), 0, 'onClose ran while onMessage was still pending');
      release.resolve();
      await f.recorder.waitForClose(slowSession);
      assert.equal(overlapped, false);
    },
  );
});

describe('callback return values', () => {
  test(
    "callbacks may return anything: session.send()'s boolean compiles and a non-thenable is done at once",
    { timeout: 10_000 },
    async () => {
      // Typed on purpose: these assignments are what failed to compile under `void | Promise<void>`.
      const onOpen: NonNullable<SockJsHandler['onOpen']> = (session) => session.send('hello');
      const onMessage: NonNullable<SockJsHandler['onMessage']> = (session, message) => ({
        sent: session.send(message),
      });
      const f = await fixture({ onOpen, onMessage });
      const ws = await f.websocket();
      assert.deepEqual(await readMessages(ws, 1), ['hello']);
      ws.send('["a"]');
      ws.send('["b"]');
      assert.deepEqual(await readMessages(ws, 2), ['a', 'b']);
    },
  );

  test(
    'a returned thenable that is not a Promise is awaited before the next callback',
    { timeout: 10_000 },
    async () => {
      const release = new Deferred<void>();
      const order: string[] = [];
      const f = await fixture({
        onOpen: () => ({
          then(resolve: () => void) {
            order.push('open started');
            void release.promise.then(() => {
              order.push('open settled');
              resolve();
            });
          },
        }),
        onMessage(session, message) {
          order.push(`message ${message}`);
          session.send(message);
        },
      });
      const id = newSessionId();
      const stream = await f.streaming(id);
      // xhr_send's 204 means the session has the message: it waits behind the pending onOpen.
      await f.send(id, ['m']);
      assert.deepEqual(order, ['open started'], 'onMessage ran before the thenable settled');
      release.resolve();
      await stream.waitFor((text) => text.endsWith('a["m"]\n'), 'the echo');
      assert.deepEqual(order, ['open started', 'open settled', 'message m']);
    },
  );
});

describe('failing callbacks', () => {
  test(
    'a throwing onMessage reaches onTransportError, closes the session with 1011 and leaves the process and other sessions alone',
    { timeout: 10_000 },
    async () => {
      const boom = new Error('boom');
      const f = await fixture({
        onMessage(session, message) {
          if (message === 'boom') throw boom;
          session.send(message);
        },
      });
      const ws = await f.websocket();
      const session = await f.recorder.waitForOpen();
      ws.send('["boom"]');
      assert.equal(await ws.next('the close frame'), 'c[1011,"Server error"]');
      await ws.waitForClose();
      assert.deepEqual(await f.recorder.waitForClose(session), { code: 1011, reason: 'Server error' });
      assert.deepEqual(f.recorder.trace(session), ['open', 'message:boom', 'error', 'close:1011']);
      const reported = f.recorder.events.find((e) => e.kind === 'error');
      assert.ok(reported?.kind === 'error');
      assert.ok(isSockJsError(reported.error));
      assert.equal(reported.error.code, 'ERR_HANDLER_FAILED');
      assert.equal(reported.error.cause, boom);
      assert.ok(
        f.logger.entries.some((e) => e.level === 'error'),
        'the failure is logged',
      );

      const other = await f.websocket();
      other.send('["still alive"]');
      assert.deepEqual(messagesOf(await other.next('an echo on another session')), ['still alive']);
    },
  );

  test('a throwing onMessage on xhr: the next poll gets c[1011,"Server error"]', { timeout: 10_000 }, async () => {
    const f = await fixture({
      onMessage() {
        throw new TypeError('bad');
      },
    });
    const id = newSessionId();
    assert.equal(await f.poll(id), 'o');
    const session = await f.recorder.waitForOpen();
    await f.send(id, ['x']);
    assert.equal(await f.poll(id), 'c[1011,"Server error"]');
    assert.deepEqual(f.recorder.trace(session), ['open', 'message:x', 'error', 'close:1011']);
  });

  test(
    'a rejecting async onOpen reaches onTransportError and closes the session with 1011',
    { timeout: 10_000 },
    async () => {
      const f = await fixture({
        async onOpen() {
          await delay(1);
          throw new Error('cannot open');
        },
      });
      const ws = await f.websocket();
      assert.equal(await ws.next('the close frame'), 'c[1011,"Server error"]');
      await ws.waitForClose();
      const session = await f.recorder.waitForOpen();
      await f.recorder.waitForClose(session);
      assert.deepEqual(f.recorder.trace(session), ['open', 'error', 'close:1011']);
      const reported = f.recorder.events.find((e) => e.kind === 'error');
      assert.ok(reported?.kind === 'error' && reported.error instanceof SockJsError);
      assert.equal((reported.error.cause as Error).message, 'cannot open');
    },
  );

  test(
    'a rejecting async onOpen on xhr-streaming: the client sees o then c[1011,"Server error"]',
    { timeout: 10_000 },
    async () => {
      const f = await fixture({
        onOpen() {
          return Promise.reject(new Error('no'));
        },
      });
      const stream = await f.streaming(newSessionId());
      await stream.waitFor((text) => text.endsWith('c[1011,"Server error"]\n'), 'the close frame');
      assert.deepEqual(streamedFrames(stream), ['c[1011,"Server error"]']);
    },
  );

  test('a throwing onClose is logged, not reported to onTransportError', { timeout: 10_000 }, async () => {
    const f = await fixture({
      onClose() {
        throw new Error('close failed');
      },
    });
    const ws = await f.websocket();
    const session = await f.recorder.waitForOpen();
    await ws.close(1000);
    await f.recorder.waitForClose(session);
    await until(() => f.logger.entries.some((e) => e.level === 'error'), 'the failure to be logged');
    assert.equal(f.recorder.count('error'), 0);
  });
});

describe('session.send() and readyState around close', () => {
  interface Seen {
    state: number;
    sent: boolean;
  }

  /** Hooks that record readyState and send() inside onClose. */
  const closeProbe = (seen: Seen[]): Hooks => ({
    onClose(session) {
      seen.push({ state: session.readyState, sent: session.send('too late') });
    },
  });

  test(
    'send() is true while open; false right after close(), inside onClose and once closed (websocket)',
    { timeout: 10_000 },
    async () => {
      const seen: Seen[] = [];
      const results: boolean[] = [];
      const f = await fixture({
        ...closeProbe(seen),
        onMessage(session) {
          results.push(session.send('before'));
          session.close(4000, 'x');
          results.push(session.send('after'));
        },
      });
      const ws = await f.websocket();
      const session = await f.recorder.waitForOpen();
      ws.send('["go"]');
      assert.deepEqual(messagesOf(await ws.next('the message frame')), ['before']);
      assert.equal(await ws.next('the close frame'), 'c[4000,"x"]');
      await f.recorder.waitForClose(session);
      assert.deepEqual(results, [true, false]);
      assert.equal(seen.length, 1);
      assert.ok(
        seen[0]?.state === ReadyState.CLOSING || seen[0]?.state === ReadyState.CLOSED,
        `readyState ${seen[0]?.state} in onClose`,
      );
      assert.equal(seen[0]?.sent, false);
      await forgotten(f.endpoint, session);
      assert.equal(session.readyState, ReadyState.CLOSED);
      assert.equal(session.send('closed'), false);
    },
  );

  for (const kind of ['websocket', 'raw websocket'] as const) {
    test(
      `${kind}, client closes: inside onClose readyState is not OPEN and send() returns false`,
      { timeout: 10_000 },
      async () => {
        const seen: Seen[] = [];
        const f = await fixture(closeProbe(seen));
        const ws = kind === 'websocket' ? await f.websocket() : await f.raw();
        const session = await f.recorder.waitForOpen();
        await ws.close(4000, 'bye');
        await f.recorder.waitForClose(session);
        assert.equal(seen.length, 1);
        assert.notEqual(seen[0]?.state, ReadyState.OPEN, 'onClose saw readyState OPEN');
        assert.equal(seen[0]?.sent, false, 'send() inside onClose returned true');
        await forgotten(f.endpoint, session);
        assert.equal(session.readyState, ReadyState.CLOSED);
        assert.equal(session.send('closed'), false);
      },
    );
  }

  test(
    'xhr, session timed out: inside onClose readyState is not OPEN and send() returns false',
    { timeout: 10_000 },
    async () => {
      const seen: Seen[] = [];
      const f = await fixture(closeProbe(seen), { disconnectDelay: 200 });
      assert.equal(await f.poll(newSessionId()), 'o');
      const session = await f.recorder.waitForOpen();
      await f.recorder.waitForClose(session);
      assert.equal(seen.length, 1);
      assert.ok(
        seen[0]?.state === ReadyState.CLOSING || seen[0]?.state === ReadyState.CLOSED,
        `readyState ${seen[0]?.state} in onClose`,
      );
      assert.equal(seen[0]?.sent, false);
      await forgotten(f.endpoint, session);
      assert.equal(session.send('closed'), false);
    },
  );
});

describe('session fields', () => {
  const headers = { 'X-Test-Header': 'hello' };

  const openers: Array<[string, (f: Fixture) => Promise<string | undefined>]> = [
    ['websocket', async (f) => void (await f.websocket(headers))],
    ['websocket-raw', async (f) => void (await f.raw(headers))],
    [
      'xhr-streaming',
      async (f) => {
        const id = newSessionId();
        await f.streaming(id, headers);
        return id;
      },
    ],
    [
      'xhr-polling',
      async (f) => {
        const id = newSessionId();
        assert.equal(await f.poll(id, headers), 'o');
        return id;
      },
    ],
    [
      'eventsource',
      async (f) => {
        const id = newSessionId();
        const stream = resources.add(
          await HttpStream.open(f.port, 'GET', `/t/000/${id}/eventsource`, { headers }),
          (s) => s.close(),
        );
        await stream.waitFor((text) => text.includes('data: o\r\n'), 'the open frame');
        return id;
      },
    ],
    [
      'htmlfile',
      async (f) => {
        const id = newSessionId();
        const stream = resources.add(
          await HttpStream.open(f.port, 'GET', `/t/000/${id}/htmlfile?c=cb`, { headers }),
          (s) => s.close(),
        );
        await stream.waitFor((text) => text.includes('p("o")'), 'the open frame');
        return id;
      },
    ],
    [
      'jsonp-polling',
      async (f) => {
        const id = newSessionId();
        const response = await request(f.port, 'GET', `/t/000/${id}/jsonp?c=cb`, { headers });
        assert.match(response.body, /^\/\*\*\/cb\("o"\);|^cb\("o"\);/);
        return id;
      },
    ],
  ];

  for (const [transport, open] of openers) {
    test(
      `${transport}: id, transport, remoteAddress, headers, attributes, readyState and bufferedAmount in onOpen`,
      { timeout: 10_000 },
      async () => {
        const snapshot: Record<string, unknown> = {};
        const f = await fixture({
          onOpen(session) {
            Object.assign(snapshot, {
              transport: session.transport,
              remoteAddress: session.remoteAddress,
              header: session.headers['x-test-header'],
              attributesIsMap: session.attributes instanceof Map,
              attributesSize: session.attributes.size,
              readyState: session.readyState,
              bufferedAmount: session.bufferedAmount,
            });
          },
        });
        const urlId = await open(f);
        const session = await f.recorder.waitForOpen();
        assert.deepEqual(snapshot, {
          transport,
          remoteAddress: '127.0.0.1',
          header: 'hello',
          attributesIsMap: true,
          attributesSize: 0,
          readyState: ReadyState.OPEN,
          bufferedAmount: 0,
        });
        assert.equal(typeof session.id, 'string');
        assert.ok(session.id.length > 0);
        if (urlId !== undefined) assert.equal(session.id, urlId, 'HTTP sessions keep the id from the URL');
        assert.equal(f.endpoint.sessions.get(session.id), session, 'endpoint.sessions lists it by id');
      },
    );
  }

  test('websocket sessions get distinct ids', { timeout: 10_000 }, async () => {
    const f = await fixture();
    await f.websocket();
    await f.websocket();
    await f.raw();
    await until(() => f.recorder.count('open') === 3, 'three sessions');
    const ids = new Set(f.recorder.events.map((e) => e.session.id));
    assert.equal(ids.size, 3);
  });

  test(
    'attributes persist across the callbacks of one session and are not shared between sessions',
    { timeout: 10_000 },
    async () => {
      let counter = 0;
      const f = await fixture({
        onOpen(session) {
          session.attributes.set('n', ++counter);
        },
        onMessage(session) {
          session.send(String(session.attributes.get('n')));
        },
      });
      const a = await f.websocket();
      const b = await f.websocket();
      a.send('["?"]');
      b.send('["?"]');
      const [fromA, fromB] = [messagesOf(await a.next('a')), messagesOf(await b.next('b'))];
      assert.notDeepEqual(fromA, fromB);
      assert.deepEqual([...fromA, ...fromB].sort(), ['1', '2']);
    },
  );

  test(
    'bufferedAmount counts UTF-8 bytes queued while no receiver is attached, and is 0 once they are delivered',
    { timeout: 10_000 },
    async () => {
      const amounts: number[] = [];
      const f = await fixture({
        onMessage(session) {
          amounts.push(session.bufferedAmount);
          session.send('abc');
          amounts.push(session.bufferedAmount);
          session.send('é😀');
          amounts.push(session.bufferedAmount);
        },
      });
      const id = newSessionId();
      assert.equal(await f.poll(id), 'o');
      const session = await f.recorder.waitForOpen();
      await f.send(id, ['fill']);
      assert.deepEqual(amounts, [0, 3, 3 + 2 + 4]);
      assert.equal(session.bufferedAmount, 9);
      assert.deepEqual(messagesOf(await f.poll(id)), ['abc', 'é😀']);
      assert.equal(session.bufferedAmount, 0);
    },
  );

  test(
    'readyState is OPEN in onOpen and onMessage, CLOSING or CLOSED in onClose after a server close, CLOSED once forgotten',
    { timeout: 10_000 },
    async () => {
      const f = await fixture({
        onMessage(session) {
          session.close();
        },
      });
      const ws = await f.websocket();
      const session = await f.recorder.waitForOpen();
      ws.send('["x"]');
      assert.equal(await ws.next('the close frame'), 'c[1000,"Normal closure"]');
      await f.recorder.waitForClose(session);
      const states = f.recorder.events.map((e) => [e.kind, e.readyState]);
      assert.deepEqual(states.slice(0, 2), [
        ['open', ReadyState.OPEN],
        ['message', ReadyState.OPEN],
      ]);
      // close() from inside onMessage: onClose runs after onMessage returns, by when the websocket
      // session may already be fully closed.
      assert.equal(states[2]?.[0], 'close');
      assert.ok(states[2]?.[1] === ReadyState.CLOSING || states[2]?.[1] === ReadyState.CLOSED);
      await forgotten(f.endpoint, session);
      assert.equal(session.readyState, ReadyState.CLOSED);
    },
  );
});
