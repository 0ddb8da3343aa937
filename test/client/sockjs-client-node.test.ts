/**
 * The unmodified sockjs-client package, run in Node (its node drivers: faye-websocket for
 * websockets, http.request for XHR), against the standard test services, one transport at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServices, type RunningServices } from '../../demo/test-services';
import { ReadyState, type SockJsEndpoint } from '../../server';
import { Deferred } from '../support/deferred';
import { Resources } from '../support/resources';
import { withTimeout } from '../support/wait';

interface SockJsCloseEvent {
  code: number;
  reason: string;
  wasClean: boolean;
}

interface SockJsClient {
  readonly readyState: number;
  /** The transport in use while open (null once closed). */
  readonly transport: string | null;
  onopen: (() => void) | null;
  onmessage: ((event: { data: string }) => void) | null;
  onclose: ((event: SockJsCloseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

type SockJsConstructor = new (url: string, protocols: null, options: { transports: string[]; timeout?: number }) => SockJsClient;

// sockjs-client ships no types; this is the part of its API the tests use.
const SockJS = require('sockjs-client') as SockJsConstructor;

const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling'] as const;

const MIXED_UNIT = 'aé中😀\u2028"\\\u0000\uffff';

/** About `size` UTF-16 code units of `pattern`, never ending on half a surrogate pair. */
function sized(pattern: string, size: number): string {
  let text = pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
  if (/[\ud800-\udbff]$/.test(text)) text = text.slice(0, -1) + 'z';
  return text;
}

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

interface Connection {
  sock: SockJsClient;
  opened: Promise<void>;
  /** `sock.transport` when the open event fired. */
  transportAtOpen: () => string | null | undefined;
  messages: string[];
  /** Resolves once `count` messages have arrived. */
  received(count: number, what: string, ms?: number): Promise<string[]>;
  closed: Promise<SockJsCloseEvent>;
}

function connect(url: string, transport: string, resources: Resources): Connection {
  const sock = new SockJS(url, null, { transports: [transport] });
  resources.add(sock, (s) => {
    if (s.readyState === 0 || s.readyState === 1) s.close();
  });
  const opened = new Deferred<void>();
  const closed = new Deferred<SockJsCloseEvent>();
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  let transportAtOpen: string | null | undefined;
  sock.onopen = () => {
    transportAtOpen = sock.transport;
    opened.resolve();
  };
  sock.onmessage = (event) => {
    messages.push(event.data);
    for (const wake of [...waiters]) wake();
  };
  sock.onclose = (event) => {
    opened.reject(new Error(`closed before open: ${event.code} ${event.reason}`));
    closed.resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean });
  };
  opened.promise.catch(() => undefined);
  return {
    sock,
    opened: withTimeout(opened.promise, `sockjs-client to open with ${transport}`),
    transportAtOpen: () => transportAtOpen,
    messages,
    received(count, what, ms = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages);
      let wake: (() => void) | undefined;
      const done = new Promise<string[]>((resolve) => {
        wake = () => {
          if (messages.length >= count) resolve(messages);
        };
        waiters.add(wake);
      });
      return withTimeout(done, what, ms).finally(() => {
        if (wake) waiters.delete(wake);
      });
    },
    closed: closed.promise,
  };
}

/** Where a mismatch first occurs, for a readable failure. */
function firstDifference(actual: readonly string[], expected: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i]) {
      const show = (s: string | undefined): string => (s === undefined ? 'nothing' : `${JSON.stringify(s.slice(0, 60))} (${s.length} chars)`);
      return `message ${i}: expected ${show(expected[i])}, got ${show(actual[i])}`;
    }
  }
  return undefined;
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

  for (const transport of TRANSPORTS) {
    test(`${transport}: 100 mixed-unicode messages of 0 B to 64 KiB echo back exactly and in order, then the client closes with 3001`, { timeout: 30_000 }, async () => {
      const echo = endpointOf(running(), '/echo');
      const before = new Set(echo.sessions.keys());
      const connection = connect(running().baseUrl + '/echo', transport, resources);
      await connection.opened;

      // The transport really used, as the client and the server see it.
      assert.equal(connection.transportAtOpen(), transport);
      assert.equal(connection.sock.transport, transport);
      const created = [...echo.sessions.values()].filter((s) => !before.has(s.id));
      assert.equal(created.length, 1, 'exactly one new server session');
      assert.equal(created[0]?.transport, transport);
      assert.equal(created[0]?.readyState, ReadyState.OPEN);

      const sent = testMessages();
      assert.equal(sent.length, 100);
      for (const message of sent) connection.sock.send(message);
      const echoed = await connection.received(sent.length, `${sent.length} echoes over ${transport}`, 20_000);
      assert.equal(firstDifference(echoed, sent), undefined);
      assert.deepEqual(echoed, sent);

      connection.sock.close(3001, 'bye');
      const closed = await withTimeout(connection.closed, 'the client close event');
      assert.equal(closed.code, 3001);
      assert.equal(closed.reason, 'bye');
      assert.equal(connection.sock.readyState, 3);
      assert.equal(connection.messages.length, sent.length, 'nothing after the echoes');
    });
  }

  for (const transport of TRANSPORTS) {
    // sockjs-client sends every message queued while an xhr_send is in flight as one POST body, so
    // a burst of messages that are each far below the message size limit makes one large body.
    test(`${transport}: a burst of 20 messages of 64 KiB (1.25 MiB, one sockjs-client xhr_send batch) all echo back`, { timeout: 30_000 }, async () => {
      const connection = connect(running().baseUrl + '/echo', transport, resources);
      await connection.opened;
      const sent = Array.from({ length: 20 }, (_, i) => `${i}:` + 'b'.repeat(65_536));
      for (const message of sent) connection.sock.send(message);
      const result = await Promise.race([
        connection.received(sent.length, `${sent.length} echoes over ${transport}`, 20_000),
        connection.closed.then((event) => {
          throw new Error(`session closed after ${connection.messages.length} echoes: ${event.code} ${JSON.stringify(event.reason)}`);
        }),
      ]);
      assert.equal(firstDifference(result, sent), undefined);
      connection.sock.close(3001, 'bye');
      assert.equal((await withTimeout(connection.closed, 'the client close event')).code, 3001);
    });
  }

  for (const transport of TRANSPORTS) {
    test(`${transport}: the /close service closes the client with 3000 "Go away!"`, { timeout: 15_000 }, async () => {
      const connection = connect(running().baseUrl + '/close', transport, resources);
      const closed = await withTimeout(connection.closed, 'the close event from /close');
      await connection.opened;
      assert.equal(connection.transportAtOpen(), transport);
      assert.equal(closed.code, 3000);
      assert.equal(closed.reason, 'Go away!');
      assert.equal(closed.wasClean, true);
      assert.deepEqual(connection.messages, []);
    });
  }
});
