/**
 * Unknown option keys are refused at run time with ERR_INVALID_OPTION, naming the key and, when it
 * is a near miss, the key meant: JavaScript callers have no type checker to catch a misspelt limit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openSockJs } from '../../client';
import {
  SockJsError,
  WebSocketHandlerRegistry,
  createEndpoint,
  httpSessionInterceptor,
  sendLimits,
  type EndpointOptions,
  type SockJsHandler,
} from '../../server';
import { ENDPOINT_OPTION_KEYS } from '../../server/options';

const handler: SockJsHandler = {};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const base = { prefix: '/echo', handler, logger: silent };

/** Calls `call` with options of any shape, as a JavaScript caller could. */
function loose<T>(options: Record<string, unknown>): T {
  return options as unknown as T;
}

/** Asserts `run` throws ERR_INVALID_OPTION whose message has every one of `mentions`. */
function assertRefused(run: () => unknown, ...mentions: string[]): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof SockJsError, `expected a SockJsError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_INVALID_OPTION');
    for (const text of mentions)
      assert.ok(error.message.includes(text), `${JSON.stringify(error.message)} should mention ${text}`);
    return true;
  });
}

describe('createEndpoint refuses option keys it does not know', () => {
  test('a near miss names the key and the one meant', { timeout: 2000 }, () => {
    const misses: Array<[string, string]> = [
      ['heartbeatDelai', 'heartbeatDelay'],
      ['maxRequestByte', 'maxRequestBytes'],
      ['maxrequestbytes', 'maxRequestBytes'],
      ['allowedOrigin', 'allowedOrigins'],
      ['MAXSESSIONS', 'maxSessions'],
      ['pongTimout', 'pongTimeout'],
    ];
    for (const [key, meant] of misses) {
      assertRefused(
        () => createEndpoint(loose<EndpointOptions>({ ...base, [key]: 1 })),
        'createEndpoint',
        `"${key}"`,
        `did you mean "${meant}"?`,
      );
    }
  });

  test('a key like no other names itself and lists the known ones, with no guess', { timeout: 2000 }, () => {
    assert.throws(
      () => createEndpoint(loose<EndpointOptions>({ ...base, colour: 'blue' })),
      (error: unknown) => {
        assert.ok(error instanceof SockJsError);
        assert.match(error.message, /unknown option "colour"; known: prefix, handler, .*, logger$/);
        assert.doesNotMatch(error.message, /did you mean/);
        return true;
      },
    );
  });

  test('an unknown key is refused even when its value is undefined', { timeout: 2000 }, () => {
    assertRefused(
      () => createEndpoint(loose<EndpointOptions>({ ...base, heartbeatDelai: undefined })),
      '"heartbeatDelai"',
    );
  });

  test('every known key is accepted, and a one-letter slip on any of them is guessed right', { timeout: 2000 }, () => {
    createEndpoint({
      ...base,
      heartbeatDelay: 1000,
      maxRequestBytes: 10,
      allowedOrigins: ['*'],
      sessionBinding: 'none',
    });
    for (const key of ENDPOINT_OPTION_KEYS) {
      // A key one edit away from `key` must be guessed as `key`, never as another option.
      assertRefused(
        () => createEndpoint(loose<EndpointOptions>({ ...base, [key + 'x']: 1 })),
        `did you mean "${key}"?`,
      );
    }
  });
});

describe('the other public option objects refuse unknown keys too', () => {
  test('withSockJS(): a misspelt key, and an endpoint option that is not a SockJS one', { timeout: 2000 }, () => {
    const registration = new WebSocketHandlerRegistry().addHandler(handler, '/chat');
    assertRefused(
      () => registration.withSockJS(loose({ heartbeatDelai: 1 })),
      'withSockJS()',
      'did you mean "heartbeatDelay"?',
    );
    // `prefix` would otherwise be spread into the endpoint's options and move it.
    assertRefused(() => registration.withSockJS(loose({ prefix: '/elsewhere' })), 'withSockJS()', '"prefix"');
    registration.withSockJS({ heartbeatDelay: 1 });
  });

  test('setLimits()', { timeout: 2000 }, () => {
    const registration = new WebSocketHandlerRegistry().addHandler(handler, '/chat');
    assertRefused(
      () => registration.setLimits(loose({ maxTextMessageByte: 1 })),
      'setLimits()',
      'did you mean "maxTextMessageBytes"?',
    );
    assertRefused(() => registration.setLimits(loose({ maxSessions: 1 })), 'setLimits()', '"maxSessions"');
    registration.setLimits({ maxTextMessageBytes: 1 });
  });

  test('new WebSocketHandlerRegistry()', { timeout: 2000 }, () => {
    assertRefused(
      () => new WebSocketHandlerRegistry(loose({ loger: silent })),
      'WebSocketHandlerRegistry',
      'did you mean "logger"?',
    );
  });

  test('sendLimits()', { timeout: 2000 }, () => {
    const limits = { sendTimeLimit: 1000, bufferSizeLimit: 1000, overflow: 'drop' };
    assertRefused(() => sendLimits(loose({ ...limits, overflw: 'drop' })), 'sendLimits', 'did you mean "overflow"?');
    sendLimits(loose(limits));
  });

  test('httpSessionInterceptor()', { timeout: 2000 }, () => {
    assertRefused(
      () => httpSessionInterceptor(loose({ sessionMiddlware: () => undefined })),
      'httpSessionInterceptor',
      'did you mean "sessionMiddleware"?',
    );
    httpSessionInterceptor({ attributeNames: ['user'] });
  });

  test('endpoint.close(): the promise rejects before anything closes', { timeout: 5000 }, async () => {
    const endpoint = createEndpoint(base);
    await assert.rejects(endpoint.close(loose({ flushTimout: 0 })), (error: unknown) => {
      assert.ok(error instanceof SockJsError && error.code === 'ERR_INVALID_OPTION');
      assert.match(error.message, /close\(\): unknown option "flushTimout" \(did you mean "flushTimeout"\?\)/);
      return true;
    });
    await assert.rejects(endpoint.close(loose({ flushTimeout: '10' })), /flushTimeout must be an integer/);
    await endpoint.close({ flushTimeout: 0 });
  });

  test('openSockJs() (the client): refused before any connection is tried', { timeout: 2000 }, () => {
    assertRefused(
      () => openSockJs('http://127.0.0.1:1/echo', loose({ transport: ['xhr-polling'] })),
      'openSockJs',
      'did you mean "transports"?',
    );
  });
});
