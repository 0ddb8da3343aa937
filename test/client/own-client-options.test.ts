/**
 * SockJsSocket's options and calls, checked at construction / the call: every bad one is
 * ERR_INVALID_OPTION (or the call's own code) with a message that names it. Plus the pure parts:
 * the backoff and the send queue's byte count.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { SockJsSocket, type SockJsSocketOptions } from '../../client';
import { roundTripTimeout } from '../../client/info';
import { backoffDelay, isTransientClose } from '../../client/reconnect';
import { assertThrowsCode } from '../support/assertions';
import { openOwnSocket } from '../support/own-client';
import { Resources } from '../support/resources';

const URL = 'http://127.0.0.1:9/echo';

/** Options given as JavaScript would give them: no type checker. */
function construct(options: unknown, url: unknown = URL): SockJsSocket {
  return new SockJsSocket(url as string, { WebSocket, ...(options as SockJsSocketOptions) });
}

const BAD: [string, unknown, RegExp][] = [
  ['a misspelt key', { transport: ['websocket'] }, /unknown option "transport"; known: .*\btransports\b/],
  ['an unknown transport', { transports: ['jsonp-polling'] }, /unknown transport "jsonp-polling"/],
  ['no transport', { transports: [] }, /transports must be a non-empty array/],
  ['a negative timeout', { timeout: -1 }, /timeout must be an integer from 0/],
  ['a fractional infoTimeout', { infoTimeout: 1.5 }, /infoTimeout must be an integer/],
  ['a string heartbeatInterval', { heartbeatInterval: '25000' }, /heartbeatInterval must be an integer/],
  ['livenessMultiple below 1', { livenessMultiple: 0.5 }, /livenessMultiple must be 0 \(off\) or at least 1/],
  ['NaN minReconnectDelay', { minReconnectDelay: NaN }, /minReconnectDelay must be/],
  ['max below min delay', { minReconnectDelay: 5000, maxReconnectDelay: 1000 }, /maxReconnectDelay is below/],
  ['reconnectFactor below 1', { reconnectFactor: 0.5 }, /reconnectFactor must be a number from 1/],
  ['reconnectJitter above 1', { reconnectJitter: 2 }, /reconnectJitter must be a number from 0 to 1/],
  ['negative maxReconnectAttempts', { maxReconnectAttempts: -1 }, /maxReconnectAttempts must be/],
  ['a string maxQueuedMessages', { maxQueuedMessages: '10' }, /maxQueuedMessages must be/],
  ['fractional maxQueuedBytes', { maxQueuedBytes: 1.5 }, /maxQueuedBytes must be/],
  ['a non-boolean reconnect', { reconnect: 'yes' }, /reconnect must be a boolean/],
  ['a non-boolean resume', { resume: 1 }, /resume must be a boolean/],
  ['maxFrameLength 0', { maxFrameLength: 0 }, /maxFrameLength must be/],
  ['a server id with a slash', { server: 'a/b' }, /server must be a non-empty string/],
  ['a sessionId that is not a function', { sessionId: 'abc' }, /sessionId must be a function/],
  ['a WebSocket that is not a constructor', { WebSocket: {} }, /WebSocket must be a constructor/],
  ['an EventSource that is not a constructor', { EventSource: 'x' }, /EventSource must be a constructor/],
  ['websocket alone with no WebSocket', { WebSocket: undefined, transports: ['websocket'] }, /no usable transport/],
];

const resources = new Resources();
after(() => resources.closeAll());

describe('SockJsSocket options', () => {
  for (const [what, options, message] of BAD) {
    test(`refuses ${what}`, () => {
      assertThrowsCode(() => construct(options), 'ERR_INVALID_OPTION', message);
    });
  }

  test('refuses a URL that is not absolute http(s) or ws(s)', () => {
    for (const url of ['/echo', 'ftp://host/echo', 42, 'http//host']) {
      assertThrowsCode(() => construct({}, url), 'ERR_INVALID_OPTION', /url must be/);
    }
  });

  test('close() takes 1000 or 3000-4999; send() takes strings; both checked before anything happens', () => {
    const { socket } = openOwnSocket(URL, resources, { reconnect: false });
    for (const code of [999, 1001, 1006, 2999, 5000, 3000.5]) {
      assertThrowsCode(() => socket.close(code), 'ERR_INVALID_CLOSE_CODE', /close\(\) takes 1000 or 3000-4999/);
    }
    assertThrowsCode(() => socket.close(1000, 'é'.repeat(62)), 'ERR_INVALID_CLOSE_REASON');
    assertThrowsCode(() => socket.send(new Uint8Array(2) as unknown as string), 'ERR_BINARY_UNSUPPORTED');
    assert.equal(socket.readyState, 0);
  });
});

describe('the pure parts', () => {
  test('backoff: min·factor^(n−1), capped, less up to `jitter` of it', () => {
    const backoff = { minReconnectDelay: 100, maxReconnectDelay: 1000, reconnectFactor: 2, reconnectJitter: 0.5 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(backoff, n, () => 0)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(
      backoffDelay(backoff, 3, () => 1),
      200,
    );
    assert.equal(
      backoffDelay(backoff, 3, () => 0.5),
      300,
    );
  });

  test('transient closes reconnect; the application and normal ones do not', () => {
    assert.deepEqual([1000, 1001, 1002, 1006, 1011, 1012, 2010, 3000, 4500].map(isTransientClose), [
      false,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  test("RTO from the /info round trip, as sockjs-client's", () => {
    assert.deepEqual([0, 50, 100, 101, 500].map(roundTripTimeout), [300, 350, 400, 404, 2000]);
  });
});
