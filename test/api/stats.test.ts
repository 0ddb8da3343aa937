/**
 * `endpoint.stats()` under real traffic: sessions, messages and bytes by transport (sockjs-client
 * over websocket, xhr-streaming and xhr-polling, eventsource by hand, a plain `ws` client on the raw
 * route), closes by code, refusals by reason (origin, interceptor, maxSessions, closing), queue
 * overflows, pong timeouts and dropped responses; and the `statsLogInterval` line.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { createEndpoint, type SockJsEndpoint, type SockJsHandler } from '../../server';
import { Deferred } from '../support/deferred';
import { RecordingLogger } from '../support/logger';
import { GET, openStream, POST } from '../support/raw-http';
import { HandshakeRefused, RawWs } from '../support/raw-ws';
import { sessionPathUnder, sockjsWsPath, wsUrl } from '../support/sockjs';
import { connectSockJs, NODE_CLIENT_TRANSPORTS } from '../support/sockjs-client';
import { useStarted } from '../support/resources';
import { serveEndpoints, type ExpressServer } from '../support/servers';
import { until, withTimeout } from '../support/wait';

/** Echoes; `bye` closes the session with 4000 from the server (every transport sees that close). */
const echo: SockJsHandler = {
  onMessage(session, message) {
    if (message === 'bye') session.close(4000, 'bye');
    else session.send(message);
  },
};

const MESSAGE = 'héllo'; // 6 UTF-8 bytes

function endpointOf(server: ExpressServer, prefix: string): SockJsEndpoint {
  const endpoint = server.endpoints.find((e) => e.prefix === prefix);
  assert.ok(endpoint, prefix);
  return endpoint;
}

describe('stats() under traffic', () => {
  const { running, resources } = useStarted(async (r) =>
    r.add(await serveEndpoints([{ prefix: '/echo', handler: echo, logger: new RecordingLogger() }]), (s) => s.close()),
  );

  test('a fresh endpoint counts nothing, every transport listed', () => {
    const stats = createEndpoint({ prefix: '/x', handler: {} }).stats();
    assert.equal(stats.sessions.opened, 0);
    assert.deepEqual(Object.keys(stats.transports).sort(), [
      'eventsource',
      'htmlfile',
      'jsonp-polling',
      'websocket',
      'websocket-raw',
      'xhr-polling',
      'xhr-streaming',
    ]);
    assert.deepEqual(stats.refused, { origin: 0, interceptor: 0, maxSessions: 0, closing: 0, other: 0 });
    assert.ok(stats.uptime >= 0);
  });

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(`sockjs-client over ${transport}: one session, messages and bytes both ways, closed 4000`, async () => {
      const endpoint = endpointOf(running(), '/echo');
      const client = connectSockJs(`${running().baseUrl}/echo`, transport, resources);
      await client.opened;
      assert.equal(endpoint.stats().transports[transport].open, 1);
      client.sock.send(MESSAGE);
      client.sock.send(MESSAGE);
      await client.message(1);
      client.sock.send('bye');
      const closed = await withTimeout(client.closed, 'the close');
      assert.equal(closed.code, 4000);
      const stats = endpoint.stats().transports[transport];
      assert.deepEqual(stats, {
        open: 0,
        opened: 1,
        closed: 1,
        messagesIn: 3,
        bytesIn: 12 + 3,
        messagesOut: 2,
        bytesOut: 12,
      });
    });
  }

  test('a plain ws client on the raw route', async () => {
    const endpoint = endpointOf(running(), '/echo');
    const ws = resources.add(new WebSocket(wsUrl(running().baseUrl, '/echo/websocket')), (w) => w.terminate());
    const reply = new Deferred<string>();
    ws.on('message', (data: Buffer) => reply.resolve(data.toString()));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(MESSAGE);
    assert.equal(await withTimeout(reply.promise, 'the echo'), MESSAGE);
    ws.close(1000);
    await until(() => endpoint.stats().transports['websocket-raw'].closed === 1, 'the raw session to close');
    const { 'websocket-raw': raw } = endpoint.stats().transports;
    assert.deepEqual(raw, { open: 0, opened: 1, closed: 1, messagesIn: 1, bytesIn: 6, messagesOut: 1, bytesOut: 6 });
  });

  test("eventsource, its messages sent by xhr_send: counted on the session's transport", async () => {
    const endpoint = endpointOf(running(), '/echo');
    const session = sessionPathUnder('/echo');
    const { conn } = await openStream(running().port, 'GET', `${session}/eventsource`);
    resources.add(conn, (c) => c.destroy());
    assert.equal(await conn.readChunkText(), '\r\n');
    assert.equal(await conn.readChunkText(), 'data: o\r\n\r\n');
    assert.equal((await POST(running().port, `${session}/xhr_send`, { body: '["héllo","x"]' })).status, 204);
    assert.equal(await conn.readChunkText(), 'data: a["héllo","x"]\r\n\r\n');
    assert.equal((await POST(running().port, `${session}/xhr_send`, { body: '["bye"]' })).status, 204);
    assert.equal(await conn.readChunkText(), 'data: c[4000,"bye"]\r\n\r\n');
    assert.deepEqual(endpoint.stats().transports.eventsource, {
      open: 0,
      opened: 1,
      closed: 1,
      messagesIn: 3,
      bytesIn: 6 + 1 + 3,
      messagesOut: 2,
      bytesOut: 7,
    });
  });

  test('totals and closes by code add up', () => {
    const { sessions } = endpointOf(running(), '/echo').stats();
    assert.equal(sessions.opened, NODE_CLIENT_TRANSPORTS.length + 2);
    assert.equal(sessions.open, 0);
    assert.deepEqual(sessions.closedByCode, { 1000: 1, 4000: NODE_CLIENT_TRANSPORTS.length + 1 });
  });
});

describe('stats() of refusals and failures', () => {
  const logger = new RecordingLogger();
  const { running, resources } = useStarted(async (r) =>
    r.add(
      await serveEndpoints([
        { prefix: '/strict', handler: echo, logger },
        {
          prefix: '/guarded',
          handler: echo,
          logger,
          interceptors: [{ beforeHandshake: ({ req }) => req.headers['x-deny'] === undefined }],
        },
        { prefix: '/one', handler: echo, logger, maxSessions: 1 },
        { prefix: '/small', handler: echo, logger, maxQueuedMessages: 2, queueOverflow: 'drop' },
        { prefix: '/pong', handler: echo, logger, heartbeatDelay: 30, pongTimeout: 60 },
        { prefix: '/closed', handler: echo, logger },
        { prefix: '/resume', handler: echo, logger, onDroppedResponse: 'resume' },
      ]),
      (s) => s.close(),
    ),
  );
  const port = (): number => running().port;
  const evil = { headers: { Origin: 'http://evil.example' } };

  test('a disallowed Origin, over HTTP and on an upgrade', async () => {
    assert.equal((await GET(port(), '/strict/info', evil)).status, 403);
    assert.equal((await POST(port(), `${sessionPathUnder('/strict')}/xhr`, evil)).status, 403);
    await assert.rejects(RawWs.open(port(), sockjsWsPath('/strict'), evil.headers), HandshakeRefused);
    assert.equal(endpointOf(running(), '/strict').stats().refused.origin, 3);
  });

  test("an interceptor's refusal, over HTTP and on an upgrade", async () => {
    const deny = { headers: { 'X-Deny': '1' } };
    assert.equal((await POST(port(), `${sessionPathUnder('/guarded')}/xhr`, deny)).status, 403);
    await assert.rejects(RawWs.open(port(), sockjsWsPath('/guarded'), deny.headers), HandshakeRefused);
    const { refused } = endpointOf(running(), '/guarded').stats();
    assert.deepEqual(refused, { origin: 0, interceptor: 2, maxSessions: 0, closing: 0, other: 0 });
  });

  test('maxSessions reached', async () => {
    const held = await openStream(port(), 'POST', `${sessionPathUnder('/one')}/xhr_streaming`);
    resources.add(held.conn, (c) => c.destroy());
    assert.equal((await POST(port(), `${sessionPathUnder('/one')}/xhr`)).status, 503);
    await assert.rejects(RawWs.open(port(), sockjsWsPath('/one')), HandshakeRefused);
    assert.equal(endpointOf(running(), '/one').stats().refused.maxSessions, 2);
  });

  test('a closed endpoint still mounted', async () => {
    const endpoint = endpointOf(running(), '/closed');
    await endpoint.close();
    assert.equal((await POST(port(), `${sessionPathUnder('/closed')}/xhr`)).status, 503);
    await assert.rejects(RawWs.open(port(), sockjsWsPath('/closed')), HandshakeRefused);
    assert.deepEqual(endpoint.stats().refused, { origin: 0, interceptor: 0, maxSessions: 0, closing: 2, other: 0 });
  });

  test('a send queue overflow', async () => {
    const path = sessionPathUnder('/small');
    assert.equal((await POST(port(), `${path}/xhr`)).body.toString(), 'o\n');
    const endpoint = endpointOf(running(), '/small');
    const id = path.split('/').at(-1) ?? '';
    // No receiver between polls: the third message is past maxQueuedMessages and dropped.
    assert.deepEqual(
      [1, 2, 3].map((n) => endpoint.sendTo(id, `m${n}`)),
      [true, true, true],
    );
    const stats = endpoint.stats();
    assert.equal(stats.queueOverflows, 1);
    assert.equal(stats.transports['xhr-polling'].messagesOut, 2);
    // The next poll takes the two that were queued (and leaves none for the endpoint's close to wait for).
    assert.equal((await POST(port(), `${path}/xhr`)).body.toString(), 'a["m1","m2"]\n');
  });

  test('a websocket that never answers pings', async () => {
    // RawWs answers nothing by itself: the ping that comes with the first heartbeat goes unanswered.
    const ws = await RawWs.open(port(), sockjsWsPath('/pong'));
    resources.add(ws, (w) => w.destroy());
    const endpoint = endpointOf(running(), '/pong');
    await until(() => endpoint.stats().pongTimeouts === 1, 'the pong timeout');
    await until(() => endpoint.stats().sessions.closed === 1, 'the session to close');
    assert.deepEqual(endpoint.stats().sessions.closedByCode, { 1006: 1 });
  });

  test('an xhr-streaming response dropped by the client', async () => {
    const endpoint = endpointOf(running(), '/strict');
    const stream = await openStream(port(), 'POST', `${sessionPathUnder('/strict')}/xhr_streaming`);
    await until(() => endpoint.stats().transports['xhr-streaming'].open === 1, 'the session to open');
    stream.conn.destroy();
    await until(() => endpoint.stats().droppedResponses.interrupted === 1, 'the drop');
    assert.deepEqual(endpoint.stats().droppedResponses, { interrupted: 1, resumed: 0 });
    assert.deepEqual(endpoint.stats().sessions.closedByCode, { 1002: 1 });
  });

  test("a dropped response with onDroppedResponse 'resume': counted, the session kept", async () => {
    const endpoint = endpointOf(running(), '/resume');
    const stream = await openStream(port(), 'POST', `${sessionPathUnder('/resume')}/xhr_streaming`);
    await until(() => endpoint.stats().transports['xhr-streaming'].open === 1, 'the session to open');
    stream.conn.destroy();
    await until(() => endpoint.stats().droppedResponses.resumed === 1, 'the drop');
    assert.equal(endpoint.stats().droppedResponses.interrupted, 0);
    assert.equal(endpoint.stats().sessions.open, 1);
  });
});

describe('statsLogInterval', () => {
  test('logs one info line with the snapshot while the endpoint runs', async () => {
    const logger = new RecordingLogger();
    const endpoint = createEndpoint({ prefix: '/logged', handler: {}, logger, statsLogInterval: 20 });
    try {
      const entry = await logger.waitFor((e) => e.msg === 'sockjs stats', 'the stats line');
      assert.equal(entry.level, 'info');
      assert.equal(entry.obj['prefix'], '/logged');
      assert.deepEqual(Object.keys(entry.obj['stats'] as object), Object.keys(endpoint.stats()));
    } finally {
      await endpoint.close();
    }
    const logged = logger.entries.length;
    // Cleared by close(): while another endpoint's timer of the same interval fires three times, nothing more.
    const other = new RecordingLogger();
    const witness = createEndpoint({ prefix: '/witness', handler: {}, logger: other, statsLogInterval: 20 });
    try {
      await other.waitFor((e) => other.entries.indexOf(e) === 2, 'three lines of the other endpoint');
    } finally {
      await witness.close();
    }
    assert.equal(logger.entries.length, logged);
  });

  for (const bad of [-1, 1.5, '1000', Number.NaN]) {
    test(`rejects statsLogInterval ${String(bad)}`, () => {
      assert.throws(
        () => createEndpoint({ prefix: '/x', handler: {}, statsLogInterval: bad as number }),
        (error: Error & { code?: string }) =>
          error.code === 'ERR_INVALID_OPTION' && /statsLogInterval/.test(error.message),
      );
    });
  }
});
