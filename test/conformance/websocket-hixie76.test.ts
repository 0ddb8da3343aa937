/**
 * The legacy hixie-76 websocket handshake, as spoken through HAProxy: the server
 * must send its response headers *before* the client's 8-byte key body arrives,
 * then answer the body with the 16-byte MD5 challenge response.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { RawHttpConnection } from '../support/raw-http';
import { hixieAnswer } from '../support/raw-ws';
import { newSessionPath } from '../support/sockjs';

const target = useTarget();

const KEY1 = '4 @1  46546xW%0l 1 5';
const KEY2 = '12998 5 Y3 1  .P00';
const KEY3 = Buffer.from('aaaaaaaa', 'latin1');
/** The answer for KEY1/KEY2/KEY3 published with the protocol suite. */
const EXPECTED_ANSWER = Buffer.from([
  0xca, 0x34, 0x00, 0xd8, 0xa5, 0x08, 0x47, 0x97, 0x2c, 0xd5, 0x71, 0x5a, 0xba, 0xbf, 0x43, 0x7b,
]);

/** hixie-76 text frame: 0x00, UTF-8 payload, 0xFF. */
const hixieFrame = (text: string): Buffer =>
  Buffer.concat([Buffer.from([0x00]), Buffer.from(text, 'utf8'), Buffer.from([0xff])]);

async function handshake(conn: RawHttpConnection, path: string, origin: string): Promise<void> {
  await conn.sendRequest({
    method: 'GET',
    path,
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'WebSocket',
      Origin: origin,
      'Sec-WebSocket-Key1': KEY1,
      'Sec-WebSocket-Key2': KEY2,
    },
  });
}

describe('websocket hixie-76 (haproxy ordering)', () => {
  test('the challenge answer computed for the test keys is the published one', { timeout: 1_000 }, () => {
    assert.deepEqual(hixieAnswer(KEY1, KEY2, KEY3), EXPECTED_ANSWER);
  });

  test(
    'response headers arrive before the 8-byte key body, then the 16-byte MD5 answer follows it',
    { timeout: 10_000 },
    async () => {
      const { port, baseUrl } = target();
      const path = newSessionPath('echo') + '/websocket';
      const conn = await RawHttpConnection.connect(port);
      try {
        await handshake(conn, path, baseUrl);

        // Headers must come without the client having sent its key body.
        const head = await conn.readHead();
        assert.equal(head.status, 101);
        assert.equal(head.header('connection')?.toLowerCase(), 'upgrade');
        assert.equal(head.header('upgrade')?.toLowerCase(), 'websocket');
        assert.equal(head.header('sec-websocket-location'), `ws://${conn.hostHeader}${path}`);
        assert.equal(head.header('sec-websocket-origin'), baseUrl);
        assert.equal(head.header('content-length'), undefined);

        await conn.write(KEY3);
        assert.deepEqual(await conn.readExact(16), EXPECTED_ANSWER);
      } finally {
        conn.destroy();
      }
    },
  );

  test(
    'after the hixie-76 handshake the session sends "o" and echoes messages in 0x00..0xFF frames',
    { timeout: 10_000 },
    async () => {
      const { port, baseUrl } = target();
      const conn = await RawHttpConnection.connect(port);
      try {
        await handshake(conn, newSessionPath('echo') + '/websocket', baseUrl);
        assert.equal((await conn.readHead()).status, 101);
        await conn.write(KEY3);
        assert.deepEqual(await conn.readExact(16), EXPECTED_ANSWER);
        assert.deepEqual(await conn.readExact(3), hixieFrame('o'));
        await conn.write(hixieFrame('["a"]'));
        const echoed = hixieFrame('a["a"]');
        assert.deepEqual(await conn.readExact(echoed.length), echoed);
      } finally {
        conn.destroy();
      }
    },
  );
});
