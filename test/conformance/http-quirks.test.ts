/** HTTP/1.0 and HTTP/1.1 framing sanity, plus a POST without Content-Length. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { POST, RawHttpConnection } from '../support/raw-http';
import { GO_AWAY_FRAME, newSessionPath, XHR_STREAMING_PRELUDE } from '../support/sockjs';

const target = useTarget();
const GREETING = 'Welcome to SockJS!\n';

describe('HTTP/1.0', () => {
  test(
    'the greeting is framed by Content-Length (19) or by closing the connection, never chunked',
    { timeout: 10_000 },
    async () => {
      const conn = await RawHttpConnection.connect(target().port);
      try {
        // "Connection: Keep-Alive" is not HTTP/1.0 but real 1.0 clients send it.
        await conn.sendRequest({
          method: 'GET',
          path: '/echo',
          httpVersion: '1.0',
          headers: { Connection: 'Keep-Alive' },
        });
        const head = await conn.readHead();
        assert.equal(head.status, 200);
        assert.ok(head.httpVersion === '1.0' || head.httpVersion === '1.1', `HTTP/${head.httpVersion}`);
        assert.equal(head.header('transfer-encoding'), undefined, 'no Transfer-Encoding in HTTP/1.0');

        const length = head.header('content-length');
        if (length === undefined) {
          assert.equal(head.header('connection')?.toLowerCase(), 'close');
          assert.equal((await conn.readToEnd()).toString('utf8'), GREETING);
          return;
        }
        assert.equal(parseInt(length, 10), 19);
        assert.equal((await conn.readExact(19)).toString('utf8'), GREETING);
        const connection = (head.header('connection') ?? '').toLowerCase();
        if (connection === 'close' || connection === '') {
          assert.ok(await conn.waitForServerClose(), 'connection closes after the body (1.0 default)');
        } else {
          assert.equal(connection, 'keep-alive');
          const again = await conn.roundTrip({
            method: 'GET',
            path: '/echo',
            httpVersion: '1.0',
            headers: { Connection: 'Keep-Alive' },
          });
          assert.equal(again.status, 200);
        }
      } finally {
        conn.destroy();
      }
    },
  );

  test(
    'xhr_streaming has neither Transfer-Encoding nor Content-Length and ends by closing the connection',
    { timeout: 10_000 },
    async () => {
      const conn = await RawHttpConnection.connect(target().port);
      try {
        await conn.sendRequest({
          method: 'POST',
          path: newSessionPath('close') + '/xhr_streaming',
          httpVersion: '1.0',
          headers: { Connection: 'Keep-Alive' },
        });
        const head = await conn.readHead();
        assert.equal(head.status, 200);
        assert.equal(head.header('transfer-encoding'), undefined, 'no Transfer-Encoding in HTTP/1.0');
        assert.equal(head.header('content-length'), undefined, 'length is unknown up front');

        assert.equal((await conn.readExact(2049)).toString('utf8'), XHR_STREAMING_PRELUDE);
        assert.equal((await conn.readExact(2)).toString('utf8'), 'o\n');
        assert.equal((await conn.readExact(19)).toString('utf8'), GO_AWAY_FRAME + '\n');
        assert.ok(await conn.waitForServerClose(), 'no bytes after the close frame, then EOF');
      } finally {
        conn.destroy();
      }
    },
  );
});

describe('HTTP/1.1', () => {
  test(
    'the greeting uses Content-Length or chunking and the connection stays open for a second request',
    { timeout: 10_000 },
    async () => {
      const conn = await RawHttpConnection.connect(target().port);
      try {
        await conn.sendRequest({
          method: 'GET',
          path: '/echo',
          httpVersion: '1.1',
          headers: { Connection: 'Keep-Alive' },
        });
        const head = await conn.readHead();
        assert.equal(head.httpVersion, '1.1');
        const connection = (head.header('connection') ?? '').toLowerCase();
        assert.ok(connection === 'keep-alive' || connection === '', `Connection: ${connection} (keep-alive expected)`);

        const length = head.header('content-length');
        if (length !== undefined) {
          assert.equal(parseInt(length, 10), 19);
          assert.equal((await conn.readExact(19)).toString('utf8'), GREETING);
          assert.equal(head.header('transfer-encoding'), undefined);
        } else {
          assert.equal(head.header('transfer-encoding')?.toLowerCase(), 'chunked');
          assert.equal(await conn.readChunkText(), GREETING);
          assert.equal(await conn.readChunkText(), null);
        }

        const again = await conn.roundTrip({
          method: 'GET',
          path: '/echo',
          httpVersion: '1.1',
          headers: { Connection: 'Keep-Alive' },
        });
        assert.equal(again.status, 200);
      } finally {
        conn.destroy();
      }
    },
  );

  test(
    'xhr_streaming is chunked without Content-Length, one chunk per frame, ending with the last chunk',
    { timeout: 10_000 },
    async () => {
      const conn = await RawHttpConnection.connect(target().port);
      try {
        await conn.sendRequest({
          method: 'POST',
          path: newSessionPath('close') + '/xhr_streaming',
          httpVersion: '1.1',
          headers: { Connection: 'Keep-Alive' },
        });
        const head = await conn.readHead();
        assert.equal(head.status, 200);
        assert.equal(head.header('transfer-encoding')?.toLowerCase(), 'chunked');
        assert.equal(head.header('content-length'), undefined);

        assert.equal(await conn.readChunkText(), XHR_STREAMING_PRELUDE);
        assert.equal(await conn.readChunkText(), 'o\n');
        assert.equal(await conn.readChunkText(), GO_AWAY_FRAME + '\n');
        assert.equal(await conn.readChunkText(), null);
      } finally {
        conn.destroy();
      }
    },
  );
});

describe('HTTP quirks', () => {
  test('a POST to /xhr without any Content-Length header still opens the session', { timeout: 10_000 }, async () => {
    const r = await POST(target().port, newSessionPath('echo') + '/xhr', { omitContentLength: true });
    assert.equal(r.body, 'o\n');
    assert.equal(r.status, 200);
  });
});
