/**
 * Loose ends of the hardening work, each against the hostile-input fixture (/hard: text messages
 * up to 1024 bytes, request bodies up to 4096 bytes): websocket upgrades over HTTP/1.0, nosniff on
 * every script and HTML response, fragmented websocket messages over the limit, request bodies
 * refused before `100 Continue`, and refusals that say why.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Socket } from 'node:net';
import { startFixture } from './fixture';
import { useStarted } from '../support/resources';
import { RawHttpConnection } from '../support/raw-http';
import { encodeFrame, hixieAnswer, OP, RawWs } from '../support/raw-ws';
import { socketClosed } from '../support/server-events';
import { DEFAULT_WAIT_MS, nextTurn, withTimeout } from '../support/wait';

const fx = useStarted(async (resources) => resources.add(await startFixture(), (fixture) => fixture.close())).running;

const UPGRADE = {
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
};
const HIXIE = {
  Connection: 'Upgrade',
  Upgrade: 'WebSocket',
  'Sec-WebSocket-Key1': '4 @1  46546xW%0l 1 5',
  'Sec-WebSocket-Key2': '12998 5 Y3 1  .P00',
};

/** Sends one request on a fresh connection; the response and whether the server then closed. */
async function ask(
  request: Parameters<RawHttpConnection['sendRequest']>[0],
): Promise<{ status: number; body: string; nosniff: boolean; conn: RawHttpConnection }> {
  const conn = await RawHttpConnection.connect(fx().port);
  await conn.sendRequest(request);
  const response = await conn.readResponse(request.method);
  const nosniff = response.header('x-content-type-options') === 'nosniff';
  return { status: response.status, body: response.body, nosniff, conn };
}

describe('websocket upgrades over HTTP/1.0 are refused (RFC 6455 §4.1)', () => {
  const paths: Array<[string, () => string, Record<string, string>]> = [
    ['the raw websocket', () => '/hard/websocket', UPGRADE],
    ['a SockJS websocket session', () => `/hard/000/${randomUUID()}/websocket`, UPGRADE],
    ['a hixie-76 SockJS websocket', () => `/hard/000/${randomUUID()}/websocket`, HIXIE],
  ];
  for (const [name, path, headers] of paths) {
    test(
      `${name}: 400 with the reason, connection closed; the same request over HTTP/1.1 upgrades`,
      { timeout: 10_000 },
      async () => {
        const refused = await ask({
          method: 'GET',
          path: path(),
          headers,
          httpVersion: '1.0',
          omitContentLength: true,
        });
        try {
          assert.equal(refused.status, 400);
          assert.equal(refused.body, 'WebSocket upgrades need HTTP/1.1.');
          assert.ok(refused.nosniff, 'nosniff on the refusal too');
          await withTimeout(refused.conn.closed, 'the refused connection to close', DEFAULT_WAIT_MS);
        } finally {
          refused.conn.destroy();
        }
        const conn = await RawHttpConnection.connect(fx().port);
        try {
          await conn.sendRequest({ method: 'GET', path: path(), headers, omitContentLength: true });
          assert.equal((await conn.readHead()).status, 101);
        } finally {
          conn.destroy();
        }
      },
    );
  }
});

describe('X-Content-Type-Options: nosniff on every script and HTML answer', () => {
  const session = (): string => `/hard/000/${randomUUID()}`;
  const answers: Array<[string, string, () => string, string]> = [
    ['the iframe page (HTML)', 'GET', () => '/hard/iframe.html', 'text/html; charset=UTF-8'],
    ['htmlfile (HTML)', 'GET', () => `${session()}/htmlfile?c=cb`, 'text/html; charset=UTF-8'],
    ['jsonp (script)', 'GET', () => `${session()}/jsonp?c=cb`, 'application/javascript; charset=UTF-8'],
    ['xhr (script)', 'POST', () => `${session()}/xhr`, 'application/javascript; charset=UTF-8'],
    ['xhr_streaming (script)', 'POST', () => `${session()}/xhr_streaming`, 'application/javascript; charset=UTF-8'],
    [
      'the served sockjs-client (script)',
      'GET',
      () => fx().hard.clientScriptUrl,
      'application/javascript; charset=UTF-8',
    ],
    ['an error without a Content-Type (500, bad callback)', 'GET', () => `${session()}/htmlfile?c=%3Cb%3E`, ''],
    ['a 404 page', 'GET', () => '/hard/nothing/here', 'text/plain; charset=UTF-8'],
  ];
  for (const [name, method, path, type] of answers) {
    test(name, { timeout: 10_000 }, async () => {
      const conn = await RawHttpConnection.connect(fx().port);
      try {
        await conn.sendRequest({ method, path: path() });
        const head = await conn.readHead();
        assert.equal(head.header('content-type') ?? '', type, 'the answer is the one meant');
        assert.equal(head.header('x-content-type-options'), 'nosniff');
      } finally {
        conn.destroy();
      }
    });
  }
});

/** "Everything" a hostile client means to send: a 50 MB message. */
const WHOLE_MESSAGE = 50 * 1024 * 1024;
/** What the server may still read after it refused: its socket's read buffer, give or take. */
const READ_AFTER_REFUSAL = 1024 * 1024;

/** The server's end of a client connection (found by the client's port). */
function serverEnd(conn: RawHttpConnection): Socket {
  const socket = fx().serverSocket('127.0.0.1', conn.localPort);
  assert.ok(socket, 'the server-side socket');
  return socket;
}

/**
 * Sends `fragment()` until `refused()` says the server's close frame arrived or the whole message is
 * out; returns the bytes sent. Client and server share this event loop: each write is followed by a
 * turn of it, so the server reads as the fragments come and its answer can overtake the rest.
 */
async function sendUntilRefused(
  conn: RawHttpConnection,
  fragment: () => Buffer,
  refused: () => boolean,
): Promise<number> {
  let sent = 0;
  while (!refused() && sent < WHOLE_MESSAGE && !conn.ended) {
    const bytes = fragment();
    await conn.write(bytes);
    sent += bytes.length;
    await nextTurn();
  }
  return sent;
}

/**
 * After the refusal the client goes on sending 8 MB more (not waiting for the kernel to take it): the
 * server must neither drain it nor keep the connection.
 */
async function assertStopsReading(
  conn: RawHttpConnection,
  server: Socket,
  sentBefore: number,
  more: () => Buffer,
): Promise<void> {
  for (let queued = 0; queued < 8 * 1024 * 1024 && !conn.socket.destroyed;) {
    const bytes = more();
    conn.socket.write(bytes, () => undefined);
    queued += bytes.length;
  }
  await socketClosed(server, DEFAULT_WAIT_MS);
  assert.ok(
    server.bytesRead < sentBefore + READ_AFTER_REFUSAL,
    `the server read ${server.bytesRead} bytes, ${server.bytesRead - sentBefore} after the ${sentBefore} sent before the refusal`,
  );
}

describe('a websocket message in many fragments is refused with 1009 once it crosses the limit, and no more is read', () => {
  const kilobyte = Buffer.alloc(1024, 'x');
  const continuation = (): Buffer => encodeFrame({ opcode: OP.CONT, payload: kilobyte, fin: false });

  const rfc6455: Array<[string, string, number]> = [
    ['a SockJS websocket (frame limit 6 148 bytes)', `/hard/000/${randomUUID()}/websocket`, OP.TEXT],
    ['the raw websocket of the SockJS endpoint, binary (the same frame limit)', '/hard/websocket', OP.BINARY],
  ];
  for (const [name, path, opcode] of rfc6455) {
    test(name, { timeout: 20_000 }, async () => {
      const ws = await RawWs.open(fx().port, path);
      try {
        const server = serverEnd(ws.conn);
        if (opcode === OP.TEXT) assert.equal(await ws.nextText(), 'o');
        let close: { code: number } | undefined;
        const closing = ws.untilClose(DEFAULT_WAIT_MS * 3).then((end) => (close = end));
        await ws.send({ opcode, payload: kilobyte, fin: false });
        const sent = await sendUntilRefused(ws.conn, continuation, () => close !== undefined);
        await closing;
        assert.equal(close?.code, 1009, 'the close code');
        assert.ok(sent < WHOLE_MESSAGE, `refused after ${sent} bytes`);
        await assertStopsReading(ws.conn, server, sent, continuation);
      } finally {
        ws.destroy();
      }
    });
  }

  test('a hixie-76 websocket whose frame never ends (limit 6 148 bytes)', { timeout: 20_000 }, async () => {
    const conn = await RawHttpConnection.connect(fx().port);
    try {
      const key3 = Buffer.from('^n:ds[4U', 'latin1');
      const head =
        `GET /hard/000/${randomUUID()}/websocket HTTP/1.1\r\nHost: ${conn.hostHeader}\r\n` +
        Object.entries(HIXIE)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        '\r\n';
      await conn.write(Buffer.concat([Buffer.from(head, 'latin1'), key3]));
      assert.equal((await conn.readHead()).status, 101);
      assert.deepEqual(
        await conn.readExact(16),
        hixieAnswer(HIXIE['Sec-WebSocket-Key1'], HIXIE['Sec-WebSocket-Key2'], key3),
      );
      assert.deepEqual(await conn.readExact(3), Buffer.from([0x00, 0x6f, 0xff]), 'the open frame');
      const server = serverEnd(conn);
      let closeFrame: Buffer | undefined;
      const closing = conn.readExact(2, DEFAULT_WAIT_MS * 3).then((bytes) => (closeFrame = bytes));
      await conn.write(Buffer.from([0x00]));
      const sent = await sendUntilRefused(
        conn,
        () => kilobyte,
        () => closeFrame !== undefined,
      );
      await closing;
      assert.deepEqual(closeFrame, Buffer.from([0xff, 0x00]), 'the hixie-76 close frame');
      assert.ok(sent < WHOLE_MESSAGE, `refused after ${sent} bytes`);
      await assertStopsReading(conn, server, sent, () => kilobyte);
    } finally {
      conn.destroy();
    }
  });
});

const NOT_FOUND = '404 Error: Page not found\n';
const TOO_LARGE = 'Payload too large.';
const UNSUPPORTED = 'Unsupported content type; send the messages as a text/plain JSON array.';
const FORM = 'application/x-www-form-urlencoded';

/** A session of /hard open over xhr-polling (for xhr_send) or jsonp-polling (for jsonp_send). */
async function openSession(send: 'xhr_send' | 'jsonp_send'): Promise<string> {
  const session = `/hard/000/${randomUUID()}`;
  const opening =
    send === 'xhr_send'
      ? await ask({ method: 'POST', path: `${session}/xhr` })
      : await ask({ method: 'GET', path: `${session}/jsonp?c=cb` });
  opening.conn.destroy();
  assert.equal(opening.status, 200, 'the session opens');
  return session;
}

function head(path: string, headers: Record<string, string>): string {
  return (
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${fx().port}\r\n` +
    Object.entries(headers)
      .map(([n, v]) => `${n}: ${v}\r\n`)
      .join('') +
    '\r\n'
  );
}

describe('a request body over maxRequestBytes is refused before 100 Continue, and not read', () => {
  for (const send of ['xhr_send', 'jsonp_send'] as const) {
    test(
      `${send}: Expect: 100-continue with Content-Length over the limit gets 413 and no 100 Continue`,
      { timeout: 10_000 },
      async () => {
        const session = await openSession(send);
        const conn = await RawHttpConnection.connect(fx().port);
        try {
          await conn.write(
            head(`${session}/${send}`, {
              'Content-Type': 'text/plain',
              'Content-Length': '5000',
              Expect: '100-continue',
            }),
          );
          const response = await conn.readResponse('POST');
          assert.equal(response.status, 413, 'the first answer is the refusal');
          assert.equal(response.body, TOO_LARGE);
          assert.equal(response.header('connection'), 'close');
          assert.equal((await conn.readToEnd()).length, 0, 'nothing follows; the connection closes');
        } finally {
          conn.destroy();
        }
      },
    );
  }

  test('Expect: 100-continue within the limit: 100 Continue, then the body is taken', { timeout: 10_000 }, async () => {
    const session = await openSession('xhr_send');
    const conn = await RawHttpConnection.connect(fx().port);
    try {
      await conn.write(head(`${session}/xhr_send`, { 'Content-Length': '7', Expect: '100-continue' }));
      assert.equal((await conn.readHead()).status, 100);
      await conn.write('["100"]');
      assert.equal((await conn.readResponse('POST')).status, 204);
    } finally {
      conn.destroy();
    }
    const poll = await ask({ method: 'POST', path: `${session}/xhr` });
    poll.conn.destroy();
    assert.equal(poll.body, 'a["100"]\n');
  });

  test('Expect: 100-continue for an unknown session: 404, no 100 Continue', { timeout: 10_000 }, async () => {
    const conn = await RawHttpConnection.connect(fx().port);
    try {
      await conn.write(head(`/hard/000/${randomUUID()}/xhr_send`, { 'Content-Length': '7', Expect: '100-continue' }));
      const response = await conn.readResponse('POST');
      assert.equal(response.status, 404);
      assert.equal(response.body, NOT_FOUND);
      assert.equal((await conn.readToEnd()).length, 0, 'the connection closes');
    } finally {
      conn.destroy();
    }
  });

  test(
    "Expect: 100-continue on a route that is not the endpoint's still gets 100 Continue at once",
    { timeout: 10_000 },
    async () => {
      const conn = await RawHttpConnection.connect(fx().port);
      try {
        await conn.write(head('/elsewhere', { 'Content-Length': '7', Expect: '100-continue' }));
        assert.equal((await conn.readHead()).status, 100);
        await conn.write('["100"]');
        const response = await conn.readResponse('POST');
        assert.equal(response.body, 'not ours');
      } finally {
        conn.destroy();
      }
    },
  );

  test(
    'Content-Length over the limit without Expect: 413 before any of the body, which is then not read',
    { timeout: 10_000 },
    async () => {
      const session = await openSession('xhr_send');
      const conn = await RawHttpConnection.connect(fx().port);
      try {
        const request = head(`${session}/xhr_send`, { 'Content-Length': String(WHOLE_MESSAGE) });
        await conn.write(request);
        const server = serverEnd(conn);
        const response = await conn.readResponse('POST');
        assert.equal(response.status, 413);
        assert.equal(response.body, TOO_LARGE);
        await assertStopsReading(conn, server, Buffer.byteLength(request), () => Buffer.alloc(64 * 1024, 'x'));
      } finally {
        conn.destroy();
      }
    },
  );
});

describe('every refusal of a send says why', () => {
  const refusals: Array<[string, 'xhr_send' | 'jsonp_send', string, string]> = [
    ['xhr_send of a form (curl -d)', 'xhr_send', FORM, 'd=%5B%22x%22%5D'],
    ['xhr_send of multipart/form-data', 'xhr_send', 'multipart/form-data; boundary=x', '--x--'],
    ['xhr_send of application/octet-stream', 'xhr_send', 'application/octet-stream', '["x"]'],
    ['jsonp_send of application/json', 'jsonp_send', 'application/json', '["x"]'],
  ];
  for (const [name, send, type, body] of refusals) {
    test(`${name}: 415 "${UNSUPPORTED}", logged with its content type`, { timeout: 10_000 }, async () => {
      const session = await openSession(send);
      const logged = fx().logs.length;
      const refused = await ask({
        method: 'POST',
        path: `${session}/${send}`,
        headers: { 'Content-Type': type },
        body,
      });
      refused.conn.destroy();
      assert.equal(refused.status, 415);
      assert.equal(refused.body, UNSUPPORTED);
      const entries = fx()
        .logs.slice(logged)
        .filter((entry) => entry.level === 'info');
      assert.equal(entries.length, 1, 'one info line');
      const entry = entries[0];
      assert.deepEqual(entry?.obj, {
        code: 'ERR_UNSUPPORTED_CONTENT_TYPE',
        contentType: type.split(';')[0],
        url: `${session}/${send}`,
      });
      assert.match(
        entry?.msg ?? '',
        new RegExp(
          `^${UNSUPPORTED.replace(/[.;]/g, '\\$&')}: ${send} takes .*text/plain.*, got ${type.split(';')[0]}$`,
        ),
      );
    });
  }

  const payloadExpected: Array<[string, 'xhr_send' | 'jsonp_send', string | undefined, string]> = [
    ['xhr_send of an empty body', 'xhr_send', undefined, ''],
    ['jsonp_send of an empty form', 'jsonp_send', FORM, ''],
    ['jsonp_send of a form with an empty d', 'jsonp_send', FORM, 'd='],
    ['jsonp_send of a form without d', 'jsonp_send', FORM, 'p=p'],
  ];
  for (const [name, send, type, body] of payloadExpected) {
    test(`${name}: still exactly 500 "Payload expected." (the protocol's answer)`, { timeout: 10_000 }, async () => {
      const session = await openSession(send);
      const refused = await ask({
        method: 'POST',
        path: `${session}/${send}`,
        headers: type ? { 'Content-Type': type } : {},
        body,
      });
      refused.conn.destroy();
      assert.equal(refused.status, 500);
      assert.equal(refused.body, 'Payload expected.');
    });
  }

  const anyBody: Array<[string, Record<string, string>, string]> = [
    ['an empty body', {}, ''],
    ['broken JSON', {}, '["x'],
    ['a good message', {}, '["x"]'],
    ['an unsupported content type', { 'Content-Type': 'multipart/form-data; boundary=x' }, '--x--'],
    ['a body over the limit', {}, 'x'.repeat(5000)],
  ];
  for (const send of ['xhr_send', 'jsonp_send'] as const) {
    for (const [name, headers, body] of anyBody) {
      test(`${send} to an unknown session with ${name}: 404`, { timeout: 10_000 }, async () => {
        const refused = await ask({ method: 'POST', path: `/hard/000/${randomUUID()}/${send}`, headers, body });
        refused.conn.destroy();
        assert.equal(refused.status, 404);
        assert.equal(refused.body, NOT_FOUND);
      });
    }
  }
});
