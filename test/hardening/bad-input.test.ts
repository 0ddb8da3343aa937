/**
 * Runs the hostile-input table (bad-input.table.ts) against ONE server. Every row gets its own
 * test: the row's setup (a session to attack), the hostile action and its exact expected outcome,
 * the row's follow-up checks, then three invariants — no uncaught exception, nothing logged at
 * error level, and a well-behaved websocket and xhr-polling session still work end to end.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { RawHttpConnection, type HttpHead } from '../support/raw-http';
import { encodeFrame, HandshakeRefused, hixieAnswer, OP, RawWs } from '../support/raw-ws';
import { requestArrival } from '../support/server-events';
import { XHR_STREAMING_PRELUDE } from '../support/sockjs';
import { until, withTimeout } from '../support/wait';
import {
  CAPACITY_GROUP,
  HIXIE_KEY_BYTES,
  ROWS,
  type Action,
  type Req,
  type Res,
  type Row,
  type Setup,
  type Step,
  type WsFrame,
} from './bad-input.table';
import { assertHealthy, startFixture } from './fixture';
import { useStarted } from '../support/resources';

const fx = useStarted(async (resources) => resources.add(await startFixture(), (fixture) => fixture.close())).running;

interface Context {
  s: string;
  sid: string;
  full: string;
  nullok: string;
  stream?: RawHttpConnection;
  streamHead?: HttpHead;
  /** Connections a row opened, destroyed when it ends. */
  conns: RawHttpConnection[];
}

function newContext(): Context {
  const sid = randomUUID();
  return {
    sid,
    s: `/hard/000/${sid}`,
    full: `/full/000/${randomUUID()}`,
    nullok: `/nullok/000/${randomUUID()}`,
    conns: [],
  };
}

function fill(template: string, ctx: Context): string {
  const { port, hard } = fx();
  const values: Record<string, string> = {
    s: ctx.s,
    sid: ctx.sid,
    full: ctx.full,
    nullok: ctx.nullok,
    port: String(port),
    host: `127.0.0.1:${port}`,
    script: hard.clientScriptUrl,
  };
  return template.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}

function fillBytes(part: string | Buffer, ctx: Context): string | Buffer {
  return typeof part === 'string' ? Buffer.from(fill(part, ctx), 'latin1') : part;
}

async function connect(ctx: Context, from?: string): Promise<RawHttpConnection> {
  const conn = await RawHttpConnection.connect(fx().port, from ? { localAddress: from } : {});
  ctx.conns.push(conn);
  return conn;
}

function fillReq(req: Req, ctx: Context): Req {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name] = fill(value, ctx);
  return {
    ...req,
    path: fill(req.path, ctx),
    headers,
    ...(typeof req.body === 'string' ? { body: fill(req.body, ctx) } : {}),
  };
}

/** Reads and checks one response on `conn` (the whole body, or a stream up to `streamIncludes`). */
async function expectResponse(conn: RawHttpConnection, res: Res, method: string, what: string): Promise<void> {
  const head = await conn.readHead();
  let body: string;
  if (res.streamIncludes !== undefined) {
    const wanted = res.streamIncludes;
    body = await conn.readStreamUntil(head, (sofar) => sofar.includes(wanted));
    assert.ok(
      body.includes(wanted),
      `${what}: the stream should carry ${JSON.stringify(wanted)}, got ${JSON.stringify(body.slice(0, 300))}`,
    );
  } else {
    body = (await conn.readBody(head, method)).toString('utf8');
  }
  assert.equal(head.status, res.status, `${what}: status (body ${JSON.stringify(body.slice(0, 200))})`);
  if (res.body !== undefined) assert.equal(body, res.body, `${what}: body`);
  if (res.bodyMatches !== undefined) assert.match(body, res.bodyMatches, `${what}: body`);
  for (const [name, value] of Object.entries(res.headers ?? {})) {
    assert.equal(head.header(name), value ?? undefined, `${what}: header ${name}`);
  }
  if (res.closes) {
    const rest = await conn.readToEnd();
    assert.equal(rest.length, 0, `${what}: nothing may follow a response that closes the connection`);
  }
}

async function runStep(step: Step, ctx: Context, what: string): Promise<void> {
  if ('stream' in step) {
    const { stream, streamHead } = ctx;
    assert.ok(stream && streamHead, `${what}: the row has no streaming setup`);
    const text = await stream.readStreamUntil(streamHead, (sofar) => sofar.length >= step.stream.length);
    assert.equal(text, step.stream, `${what}: the setup's stream`);
    return;
  }
  const req = fillReq(step.req, ctx);
  const conn = await connect(ctx, req.from);
  await conn.sendRequest(req);
  await expectResponse(
    conn,
    step.res,
    req.method,
    `${what} (${req.method} ${req.path.slice(0, 80)}${req.from ? ' from ' + req.from : ''})`,
  );
  conn.destroy();
}

async function runSetup(setup: Setup, ctx: Context): Promise<void> {
  const { s } = ctx;
  if (setup === 'xhr-polling') {
    return runStep({ req: { method: 'POST', path: s + '/xhr' }, res: { status: 200, body: 'o\n' } }, ctx, 'setup');
  }
  if (setup === 'jsonp-polling') {
    return runStep(
      { req: { method: 'GET', path: s + '/jsonp?c=cb' }, res: { status: 200, body: '/**/cb("o");\r\n' } },
      ctx,
      'setup',
    );
  }
  const conn = await connect(ctx);
  await conn.sendRequest({ method: 'POST', path: s + '/xhr_streaming' });
  const head = await conn.readHead();
  assert.equal(head.status, 200, 'setup: xhr_streaming status');
  const opening = XHR_STREAMING_PRELUDE + 'o\n';
  assert.equal(
    await conn.readStreamUntil(head, (t) => t.length >= opening.length),
    opening,
    'setup: prelude and open frame',
  );
  ctx.stream = conn;
  ctx.streamHead = head;
}

function encodeWsFrame(frame: WsFrame): Buffer {
  if (frame.raw) return frame.raw;
  const payload =
    typeof frame.payload === 'string' ? Buffer.from(frame.payload, 'utf8') : (frame.payload ?? Buffer.alloc(0));
  return encodeFrame({
    opcode: frame.opcode ?? OP.TEXT,
    payload,
    ...(frame.fin === undefined ? {} : { fin: frame.fin }),
    ...(frame.mask === undefined ? {} : { mask: frame.mask }),
    ...(frame.rsv1 === undefined ? {} : { rsv1: frame.rsv1 }),
  });
}

/** Reads frames until the close frame (or the end): texts, pongs, close code (1006 without a frame). */
async function readUntil(
  ws: RawWs,
  stop: (texts: string[], pongs: string[]) => boolean,
): Promise<{ texts: string[]; pongs: string[]; code?: number; reason?: string }> {
  const texts: string[] = [];
  const pongs: string[] = [];
  while (!stop(texts, pongs)) {
    const frame = await ws.readFrame();
    if (frame === null) return { texts, pongs, code: 1006, reason: '' };
    if (frame.opcode === OP.TEXT) texts.push(frame.payload.toString('utf8'));
    else if (frame.opcode === OP.PONG) pongs.push(frame.payload.toString('utf8'));
    else if (frame.opcode === OP.CLOSE) {
      const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
      return { texts, pongs, code, reason: frame.payload.subarray(2).toString('utf8') };
    }
  }
  return { texts, pongs };
}

async function runWs(action: Extract<Action, { kind: 'ws' }>, ctx: Context): Promise<void> {
  const early = action.early ? { early: Buffer.concat(action.early.map(encodeWsFrame)) } : {};
  const ws = await RawWs.open(fx().port, fill(action.path ?? '{s}/websocket', ctx), {}, early);
  ctx.conns.push(ws.conn);
  if (!action.raw) assert.equal(await ws.nextText(), 'o', 'the open frame');
  for (const frame of action.frames) await ws.conn.write(encodeWsFrame(frame));
  const pongsWanted = action.pongs ?? [];
  if (action.close) {
    const seen = await readUntil(ws, () => false);
    assert.deepEqual(seen.texts, action.messages, 'messages before the close');
    assert.equal(seen.code, action.close.code, `close code (reason ${JSON.stringify(seen.reason)})`);
    if (action.close.reason !== undefined) assert.equal(seen.reason, action.close.reason, 'close reason');
    assert.deepEqual(seen.pongs, pongsWanted, 'pongs');
    return;
  }
  const seen = await readUntil(
    ws,
    (texts, pongs) => texts.length >= action.messages.length && pongs.length >= pongsWanted.length,
  );
  assert.equal(
    seen.code,
    undefined,
    `the websocket must stay open (closed with ${seen.code} ${JSON.stringify(seen.reason)})`,
  );
  assert.deepEqual(seen.texts, action.messages, 'messages');
  assert.deepEqual(seen.pongs, pongsWanted, 'pongs');
  // Still open: a clean close is answered with 1000 and nothing else.
  await ws.send({ opcode: OP.CLOSE, payload: Buffer.from([0x03, 0xe8]) });
  const end = await readUntil(ws, () => false);
  assert.deepEqual(end.texts, [], 'nothing after our close');
  assert.equal(end.code, 1000, 'the server answers a clean close with 1000');
}

async function readHixieFrame(conn: RawHttpConnection): Promise<string> {
  return conn.waitFor('a hixie-76 frame', () => {
    const buf = conn.pending;
    if (buf.length === 0) return undefined;
    assert.equal(
      buf[0],
      0x00,
      `a hixie-76 text frame starts with 0x00, got ${JSON.stringify(buf.toString('latin1').slice(0, 40))}`,
    );
    const end = buf.indexOf(0xff);
    if (end === -1) return undefined;
    const text = buf.toString('utf8', 1, end);
    conn.consume(end + 1);
    return text;
  });
}

async function runHixie(action: Extract<Action, { kind: 'hixie' }>, ctx: Context): Promise<void> {
  const conn = await connect(ctx);
  const head =
    `GET ${ctx.s}/websocket HTTP/1.1\r\nHost: 127.0.0.1:${fx().port}\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n` +
    `Sec-WebSocket-Key1: ${action.key1}\r\nSec-WebSocket-Key2: ${action.key2}\r\n\r\n`;
  const key3 = Buffer.from(HIXIE_KEY_BYTES, 'latin1');
  await conn.write(Buffer.concat([Buffer.from(head, 'latin1'), key3]));
  const response = await conn.readHead();
  assert.equal(response.status, 101, 'hixie-76 handshake status');
  assert.deepEqual(await conn.readExact(16), hixieAnswer(action.key1, action.key2, key3), 'the challenge answer');
  assert.equal(await readHixieFrame(conn), 'o', 'the open frame');
  for (const frame of action.frames) await conn.write(frame);
  const messages: string[] = [];
  while (messages.length < action.messages.length) messages.push(await readHixieFrame(conn));
  assert.deepEqual(messages, action.messages, 'hixie-76 messages');
  if (action.end === 'open') await conn.write(Buffer.from([0xff, 0x00]));
  const rest = await conn.readToEnd();
  const expected = action.end === 'dropped' ? Buffer.alloc(0) : Buffer.from([0xff, 0x00]);
  assert.deepEqual(rest, expected, `hixie-76 end (${action.end})`);
}

/**
 * Resolves on the emitter's 'close'. Deliberately not `events.once()`: that adds an 'error'
 * listener, which would hide an 'error' the server leaves unhandled — exactly what rows look for.
 */
function closeEvent(emitter: EventEmitter, what: string): Promise<void> {
  return withTimeout(new Promise<void>((resolve) => emitter.once('close', () => resolve())), what);
}

async function runAction(action: Action, ctx: Context): Promise<void> {
  switch (action.kind) {
    case 'http':
      for (const [i, step] of action.steps.entries()) await runStep(step, ctx, `step ${i + 1}`);
      return;
    case 'raw': {
      const conn = await connect(ctx);
      for (const part of action.send) await conn.write(fillBytes(part, ctx));
      for (const [i, res] of action.responses.entries()) await expectResponse(conn, res, 'GET', `response ${i + 1}`);
      if (action.after === 'closed') {
        assert.equal((await conn.readToEnd()).length, 0, 'the server closes the connection, sending nothing more');
      } else {
        // Still open and in sync: another request on it is answered.
        await conn.sendRequest({ method: 'GET', path: '/hard' });
        await expectResponse(
          conn,
          { status: 200, body: 'Welcome to SockJS!\n' },
          'GET',
          'a request after the row on the same connection',
        );
      }
      return;
    }
    case 'slow': {
      const conn = await connect(ctx);
      const started = Date.now();
      for (const part of action.send) await conn.write(fillBytes(part, ctx));
      const trickle =
        action.trickleEveryMs === undefined
          ? undefined
          : setInterval(() => void conn.write('x'), action.trickleEveryMs);
      try {
        const head = await conn.readHead(action.maxMs);
        const elapsed = Date.now() - started;
        const body = (await conn.readBody(head, 'POST')).toString('utf8');
        assert.equal(head.status, action.res.status, `status after ${elapsed} ms`);
        if (action.res.body !== undefined) assert.equal(body, action.res.body, 'body');
        for (const [name, value] of Object.entries(action.res.headers ?? {}))
          assert.equal(head.header(name), value ?? undefined, `header ${name}`);
        assert.ok(elapsed >= action.minMs, `answered after ${elapsed} ms, before the body timeout`);
      } finally {
        if (trickle) clearInterval(trickle);
      }
      if (action.res.closes) await withTimeout(conn.closed, 'the server to close the slow connection');
      return;
    }
    case 'abort': {
      const conn = await connect(ctx);
      const arrival: Promise<IncomingMessage> = requestArrival(fx().server, conn.localPort);
      for (const part of action.send) await conn.write(fillBytes(part, ctx));
      const req = await arrival;
      conn.destroy();
      if (!req.destroyed) await closeEvent(req, 'the server to drop the aborted request');
      assert.equal(req.complete, false, 'the request body never completed');
      return;
    }
    case 'half-close': {
      const conn = await connect(ctx);
      for (const part of action.send) await conn.write(fillBytes(part, ctx));
      conn.end();
      for (const [i, res] of action.responses.entries()) await expectResponse(conn, res, 'POST', `response ${i + 1}`);
      assert.equal((await conn.readToEnd()).length, 0, 'then the server closes, sending nothing more');
      return;
    }
    case 'reset': {
      const conn = await connect(ctx);
      for (const part of action.send) await conn.write(fillBytes(part, ctx));
      const head = await conn.readHead();
      assert.equal(head.status, action.status, 'status before the reset');
      const serverSide = fx().serverSocket('127.0.0.1', conn.localPort);
      conn.reset();
      if (serverSide && !serverSide.destroyed) {
        await closeEvent(serverSide, 'the server-side socket to close after the reset');
      }
      return;
    }
    case 'ws':
      return runWs(action, ctx);
    case 'concurrent-opens':
      return runConcurrentOpens(action, ctx);
    case 'hixie':
      return runHixie(action, ctx);
  }
}

async function runConcurrentOpens(action: Extract<Action, { kind: 'concurrent-opens' }>, ctx: Context): Promise<void> {
  const { gate, gated, port } = fx();
  let refused = 0;
  const attempt = async (): Promise<number> => {
    const path = `/gated/000/${randomUUID()}`;
    if (action.transport === 'websocket') {
      try {
        const ws = await RawWs.open(port, path + '/websocket');
        ctx.conns.push(ws.conn);
        assert.equal(await ws.nextText(), 'o', 'an opened websocket session starts with o');
        return 101;
      } catch (error) {
        if (!(error instanceof HandshakeRefused)) throw error;
        refused++;
        assert.equal(error.body, 'Too many sessions.', 'refusal body');
        return error.status;
      }
    }
    const req: Req =
      action.transport === 'xhr'
        ? { method: 'POST', path: path + '/xhr' }
        : { method: 'GET', path: path + '/jsonp?c=cb' };
    const conn = await connect(ctx);
    await conn.sendRequest(req);
    const res = await conn.readResponse(req.method);
    if (res.status === 503) {
      refused++;
      assert.equal(res.body, 'Too many sessions.', 'refusal body');
    }
    return res.status;
  };
  const attempts = Array.from({ length: action.n }, () => attempt());
  try {
    await until(() => gate.arrivals + refused >= action.n, 'every open to reach the handshake gate or be refused');
    gate.release();
    const statuses = await Promise.all(attempts);
    const opened = statuses.filter((status) => status === 101 || status === 200).length;
    assert.equal(
      opened,
      action.opened,
      `sessions opened on an endpoint with maxSessions ${action.opened} (statuses ${statuses.join(', ')})`,
    );
    assert.equal(
      statuses.filter((status) => status === 503).length,
      action.n - action.opened,
      'the others are refused with 503',
    );
  } finally {
    gate.release();
    await Promise.allSettled(attempts);
    for (const conn of ctx.conns) conn.destroy();
    await until(() => gated.sessions.size === 0, '/gated to forget its sessions');
  }
}

async function runRow(row: Row): Promise<void> {
  const { uncaught, logs } = fx();
  const uncaughtBefore = uncaught.length;
  const logsBefore = logs.length;
  const ctx = newContext();
  try {
    if (row.setup) await runSetup(row.setup, ctx);
    await runAction(row.action, ctx);
    for (const [i, step] of (row.then ?? []).entries()) await runStep(step, ctx, `follow-up ${i + 1}`);
  } finally {
    for (const conn of ctx.conns) conn.destroy();
  }
  assert.deepEqual(
    uncaught.slice(uncaughtBefore).map((e) => `${e.name}: ${e.message}${'code' in e ? ` (${String(e.code)})` : ''}`),
    [],
    'the row raised an uncaught exception in the server process (outside a test runner this exits the process): ' +
      'an "error" event on a socket nobody listens to',
  );
  const errors = logs.slice(logsBefore).filter((entry) => entry.level === 'error');
  assert.deepEqual(
    errors.map((e) => e.msg),
    [],
    'the row made the endpoint log an error',
  );
  await assertHealthy(fx(), row.name);
}

const groups = new Map<string, Row[]>();
for (const row of ROWS) groups.set(row.group, [...(groups.get(row.group) ?? []), row]);

test('the table holds at least 80 rows, uniquely named', { timeout: 1000 }, () => {
  assert.ok(ROWS.length >= 80, `only ${ROWS.length} rows`);
  const names = ROWS.map((row) => `${row.group}: ${row.name}`);
  assert.equal(new Set(names).size, names.length, 'row names must be unique');
});

test('the server is healthy before the first row', { timeout: 10_000 }, async () => {
  await assertHealthy(fx(), 'baseline');
});

for (const [group, rows] of groups) {
  describe(group, () => {
    if (group === CAPACITY_GROUP) {
      // Fill /full to maxSessions with two websocket sessions for the group; free them afterwards.
      const holders: RawWs[] = [];
      before(async () => {
        for (let i = 0; i < 2; i++) {
          const ws = await RawWs.open(fx().port, `/full/000/${randomUUID()}/websocket`);
          holders.push(ws);
          assert.equal(await ws.nextText(), 'o');
        }
        assert.equal(fx().full.sessions.size, 2);
      });
      after(async () => {
        for (const ws of holders) ws.destroy();
        await until(() => fx().full.sessions.size === 0, '/full to forget its sessions');
      });
    }
    for (const row of rows) {
      test(row.name, { timeout: 15_000 }, () => runRow(row));
    }
  });
}

test('/full takes new sessions again once its holders are gone', { timeout: 10_000 }, async () => {
  const conn = await RawHttpConnection.connect(fx().port);
  try {
    await conn.sendRequest({ method: 'POST', path: `/full/000/${randomUUID()}/xhr` });
    await expectResponse(conn, { status: 200, body: 'o\n' }, 'POST', '/full after the capacity group');
  } finally {
    conn.destroy();
  }
});

test(
  'after every row: each opened session was closed exactly once (or is still lingering)',
  { timeout: 10_000 },
  () => {
    const { record } = fx();
    const ids = record.closed.map((c) => c.id);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.deepEqual(twice, [], 'onClose ran twice for a session');
    assert.ok(record.closed.length <= record.opened, `${record.closed.length} closes for ${record.opened} opens`);
  },
);
