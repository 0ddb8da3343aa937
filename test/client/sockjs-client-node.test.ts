/**
 * The unmodified sockjs-client package, run in Node (its node drivers: faye-websocket for
 * websockets, http.request for XHR), against the standard test services, one transport at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServices, type RunningServices } from '../../demo/test-services';
import { ReadyState, type SockJsEndpoint } from '../../server';
import { firstDifference, MIXED_UNIT, sized } from '../support/messages';
import { Resources } from '../support/resources';
import { connectSockJs, NODE_CLIENT_TRANSPORTS } from '../support/sockjs-client';
import { withTimeout } from '../support/wait';

/**
 * 100 messages: protocol-hostile characters, and sizes from 0 B to 64 KiB. They total about
 * 600 KiB on the wire, so even sockjs-client's one-POST batch of all of them stays under 1 MiB;
 * bigger bursts are the test further down.
 */
function testMessages(): string[] {
  const specials = [
    '',
    'plain ascii',
    '"double" and \'single\' quotes',
    'back\\slash \\\\ and \\u0041 (not an escape)',
    'emoji 😀🎉👩‍👩‍👧 and astral 𝕏 𐍈',
    'line separator \u2028 paragraph separator \u2029',
    'specials \ufff0 \ufff9 \ufffc \ufffd \ufffe \uffff',
    'zero-width \u200b\u200c\u200d\u200e\u200f and bidi \u202a\u202e\u2066\u2069',
    'word joiner \u2060 and BOM \ufeff',
    'control \u0000\u0001\u0008\t\n\u000b\f\r\u001b\u001f\u007f',
    '\r\n',
    '\n',
    ' ',
    'a["frame-like"]',
    'c[3000,"Go away!"]',
    'o',
    'h',
    '</script><script>alert(1)</script>',
    '{"json": [1, 2, {"x": null}]}',
    '[]',
    'null',
    'combining e\u0301 \u0300\u0333 greek \u0387 hebrew \u0591',
    'CJK 中文 日本語 한국어 and RTL עברית العربية',
    'percent %25 %0A and plus + &amp;',
    '\ud800 lone high surrogate',
    'lone low surrogate \udfff',
  ];
  const big = [
    'x'.repeat(65_536), // 64 KiB
    'é'.repeat(32_768), // 64 KiB of UTF-8
    sized(MIXED_UNIT, 16_384), // 64 KiB once escaped
    'y'.repeat(65_535),
  ];
  const sizes = [1, 2, 10, 100, 1000, 2047, 2048, 4095, 4096, 4097, 8192];
  const messages = [...specials, ...big];
  for (let i = 0; messages.length < 100; i++) {
    // Alternate pure ASCII and mixed unicode.
    messages.push(`${i}:${sized(i % 2 === 0 ? 'x' : MIXED_UNIT, sizes[i % sizes.length] as number)}`);
  }
  return messages;
}

function endpointOf(services: RunningServices, prefix: string): SockJsEndpoint {
  const endpoint = services.endpoints.find((e) => e.prefix === prefix);
  assert.ok(endpoint, `no ${prefix} endpoint`);
  return endpoint;
}

describe('sockjs-client (Node) against /echo and /close', () => {
  const resources = new Resources();
  let services: RunningServices | undefined;
  const running = (): RunningServices => {
    assert.ok(services, 'services not started');
    return services;
  };

  before(async () => {
    services = await startTestServices();
    resources.add(services, (s) => s.close());
  });
  after(() => resources.closeAll());

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(
      `${transport}: 100 mixed-unicode messages of 0 B to 64 KiB echo back exactly and in order, then the client closes with 3001`,
      { timeout: 30_000 },
      async () => {
        const echo = endpointOf(running(), '/echo');
        const before = new Set(echo.sessions.keys());
        const connection = connectSockJs(running().baseUrl + '/echo', transport, resources);
        await connection.opened;

        // The transport really used, as the client and the server see it.
        assert.equal(connection.transportAtOpen, transport);
        assert.equal(connection.sock.transport, transport);
        const created = [...echo.sessions.values()].filter((s) => !before.has(s.id));
        assert.equal(created.length, 1, 'exactly one new server session');
        assert.equal(created[0]?.transport, transport);
        assert.equal(created[0]?.readyState, ReadyState.OPEN);

        const sent = testMessages();
        assert.equal(sent.length, 100);
        for (const message of sent) connection.sock.send(message);
        const echoed = await connection.messages.waitForCount(
          sent.length,
          `${sent.length} echoes over ${transport}`,
          20_000,
        );
        assert.equal(firstDifference(echoed, sent), undefined);
        assert.deepEqual(echoed, sent);

        connection.sock.close(3001, 'bye');
        const closed = await withTimeout(connection.closed, 'the client close event');
        assert.equal(closed.code, 3001);
        assert.equal(closed.reason, 'bye');
        assert.equal(connection.sock.readyState, 3);
        assert.equal(connection.messages.items.length, sent.length, 'nothing after the echoes');
      },
    );
  }

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    // sockjs-client sends every message queued while an xhr_send is in flight as one POST body, so
    // a burst of messages that are each far below the message size limit makes one large body.
    test(
      `${transport}: a burst of 20 messages of 64 KiB (1.25 MiB, one sockjs-client xhr_send batch) all echo back`,
      { timeout: 30_000 },
      async () => {
        const connection = connectSockJs(running().baseUrl + '/echo', transport, resources);
        await connection.opened;
        const sent = Array.from({ length: 20 }, (_, i) => `${i}:` + 'b'.repeat(65_536));
        for (const message of sent) connection.sock.send(message);
        const result = await Promise.race([
          connection.messages.waitForCount(sent.length, `${sent.length} echoes over ${transport}`, 20_000),
          connection.closed.then((event) => {
            throw new Error(
              `session closed after ${connection.messages.items.length} echoes: ${event.code} ${JSON.stringify(event.reason)}`,
            );
          }),
        ]);
        assert.equal(firstDifference(result, sent), undefined);
        connection.sock.close(3001, 'bye');
        assert.equal((await withTimeout(connection.closed, 'the client close event')).code, 3001);
      },
    );
  }

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(`${transport}: the /close service closes the client with 3000 "Go away!"`, { timeout: 15_000 }, async () => {
      const connection = connectSockJs(running().baseUrl + '/close', transport, resources);
      const closed = await withTimeout(connection.closed, 'the close event from /close');
      await connection.opened;
      assert.equal(connection.transportAtOpen, transport);
      assert.equal(closed.code, 3000);
      assert.equal(closed.reason, 'Go away!');
      assert.equal(closed.wasClean, true);
      assert.deepEqual(connection.messages.items, []);
    });
  }
});
