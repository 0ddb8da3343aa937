/** Endpoint options: every one validated at construction (ERR_INVALID_OPTION), defaults as documented. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULTS, SockJsError, createEndpoint, type EndpointOptions, type SockJsHandler } from '../../server';
import { resolveOptions } from '../../server/options';

const handler: SockJsHandler = {};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const base = { prefix: '/echo', handler, logger: silent };

/** Builds options with one field set to a value of any type (bad values on purpose). */
function withOption(name: string, value: unknown): EndpointOptions {
  return { ...base, [name]: value };
}

function assertInvalid(options: unknown, mentions: string): void {
  assert.throws(
    () => createEndpoint(options as EndpointOptions),
    (error: unknown) => {
      assert.ok(error instanceof SockJsError, `expected a SockJsError, got ${String(error)}`);
      assert.equal(error.code, 'ERR_INVALID_OPTION');
      assert.ok(
        error.message.includes(mentions),
        `message ${JSON.stringify(error.message)} should mention ${mentions}`,
      );
      return true;
    },
  );
}

describe('options refused at construction with ERR_INVALID_OPTION', () => {
  test('options that are not an object', { timeout: 2000 }, () => {
    for (const value of [undefined, null, 'x', 5]) assertInvalid(value, 'options');
  });

  test(
    'prefix: missing, not a string, not starting with "/", bad characters, or ending with "/"',
    { timeout: 2000 },
    () => {
      for (const prefix of [
        undefined,
        null,
        5,
        '',
        'echo',
        'echo/',
        '/echo/',
        '//',
        '/a b',
        '/echo?x=1',
        '/echo#x',
        '/é',
        '/a%20b',
        '/a\n',
      ]) {
        assertInvalid({ ...base, prefix }, 'prefix');
      }
    },
  );

  test('prefix: plain paths are accepted', { timeout: 2000 }, () => {
    for (const prefix of ['/echo', '/a/b/c', '/A-z_0.9~', '/sock.js']) {
      assert.equal(createEndpoint({ ...base, prefix }).prefix, prefix);
    }
  });

  test('handler: missing or not an object', { timeout: 2000 }, () => {
    for (const value of [undefined, null, 'handler', 5, true]) assertInvalid({ ...base, handler: value }, 'handler');
  });

  test('handler callbacks that are not functions', { timeout: 2000 }, () => {
    for (const name of ['onOpen', 'onMessage', 'onTransportError', 'onClose']) {
      for (const value of ['x', 1, {}, null, true]) {
        assertInvalid({ ...base, handler: { [name]: value } }, `handler.${name}`);
      }
    }
  });

  for (const name of ['heartbeatDelay', 'disconnectDelay']) {
    test(`${name}: negative, zero, non-integer, non-number or beyond a Node timer's range`, { timeout: 2000 }, () => {
      for (const value of [-1, 0, 0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '100', null, true, 2 ** 31]) {
        assertInvalid(withOption(name, value), name);
      }
      for (const value of [1, 100, 2 ** 31 - 1]) createEndpoint(withOption(name, value));
    });
  }

  test('responseLimit: negative, zero, non-integer or non-number', { timeout: 2000 }, () => {
    for (const value of [-1, 0, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '4096', null]) {
      assertInvalid(withOption('responseLimit', value), 'responseLimit');
    }
    createEndpoint(withOption('responseLimit', 1));
  });

  test('jsessionid: anything but a boolean or a function', { timeout: 2000 }, () => {
    for (const value of ['yes', 1, 0, null, {}, 'JSESSIONID'])
      assertInvalid(withOption('jsessionid', value), 'jsessionid');
    for (const value of [true, false, () => undefined]) createEndpoint(withOption('jsessionid', value));
  });

  test('clientScriptUrl: empty or not a string', { timeout: 2000 }, () => {
    for (const value of ['', 5, null, {}]) assertInvalid(withOption('clientScriptUrl', value), 'clientScriptUrl');
  });

  test('websocket: not a boolean', { timeout: 2000 }, () => {
    for (const value of ['true', 1, 0, null]) assertInvalid(withOption('websocket', value), 'websocket');
  });

  test('logger: not an object with an error() function', { timeout: 2000 }, () => {
    for (const value of [null, 'console', {}, { error: 'x' }]) assertInvalid(withOption('logger', value), 'logger');
  });

  test('handler.onBinaryMessage and handler.onDrain, when given, must be functions', { timeout: 2000 }, () => {
    for (const name of ['onBinaryMessage', 'onDrain'])
      assertInvalid({ ...base, handler: { [name]: 'x' } }, `handler.${name}`);
  });

  for (const name of [
    'maxTextMessageBytes',
    'maxRequestBytes',
    'maxBinaryMessageBytes',
    'sendHighWaterMark',
    'resumeMaxBytes',
  ]) {
    test(`${name}: negative, zero, non-integer or non-number`, { timeout: 2000 }, () => {
      for (const value of [-1, 0, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '1024', null])
        assertInvalid(withOption(name, value), name);
      createEndpoint(withOption(name, 1));
    });
  }

  test('idleTimeout: 0 (never) or a positive integer; negative and non-integer refused', { timeout: 2000 }, () => {
    for (const value of [-1, 0.5, Number.NaN, '0', null, 2 ** 31])
      assertInvalid(withOption('idleTimeout', value), 'idleTimeout');
    for (const value of [0, 1, 60_000]) createEndpoint(withOption('idleTimeout', value));
  });

  test('resumeWindow: 0 (off) or a positive integer of ms; negative, non-integer, over a timer refused', () => {
    for (const value of [-1, 0.5, Number.NaN, '0', null, 2 ** 31])
      assertInvalid(withOption('resumeWindow', value), 'resumeWindow');
    for (const value of [0, 1, 30_000]) createEndpoint(withOption('resumeWindow', value));
  });

  test('sockjs: not a boolean', { timeout: 2000 }, () => {
    for (const value of ['false', 0, null]) assertInvalid(withOption('sockjs', value), 'sockjs');
  });

  test('allowedOrigins: not an array, or entries that are not origins', { timeout: 2000 }, () => {
    assertInvalid(withOption('allowedOrigins', '*'), 'allowedOrigins');
    for (const entry of ['', 5, null, 'example.com', 'https://example.com/path', 'https://', 'https://a b.com']) {
      assertInvalid(withOption('allowedOrigins', [entry]), 'allowedOrigins');
    }
    createEndpoint(
      withOption('allowedOrigins', [
        '*',
        'null',
        'https://app.example.com',
        'https://*.example.com',
        'http://localhost:*',
      ]),
    );
  });

  test('interceptors: not an array, or entries without function hooks', { timeout: 2000 }, () => {
    assertInvalid(withOption('interceptors', {}), 'interceptors');
    for (const entry of [null, 'x', { beforeHandshake: 'x' }, { afterHandshake: 1 }]) {
      assertInvalid(withOption('interceptors', [entry]), 'interceptors');
    }
    createEndpoint(withOption('interceptors', [{ beforeHandshake() {} }, {}]));
  });

  test('principal: not a function', { timeout: 2000 }, () => {
    for (const value of ['user', {}, null]) assertInvalid(withOption('principal', value), 'principal');
  });

  test('subprotocols: not an array of protocol tokens', { timeout: 2000 }, () => {
    assertInvalid(withOption('subprotocols', 'chat'), 'subprotocols');
    for (const entry of ['', 'two words', 'a,b', 5, null])
      assertInvalid(withOption('subprotocols', [entry]), 'subprotocols');
    createEndpoint(withOption('subprotocols', ['v12.stomp', 'chat']));
  });

  test('the error names the option and the bad value', { timeout: 2000 }, () => {
    assert.throws(() => createEndpoint(withOption('heartbeatDelay', -5)), /heartbeatDelay.*-5/);
    assert.throws(() => createEndpoint({ ...base, prefix: '/echo/' }), /prefix.*must not end with "\/"/);
  });

  test('valid values of every option are accepted together', { timeout: 2000 }, () => {
    const endpoint = createEndpoint({
      prefix: '/ok',
      handler: { onOpen() {}, onMessage() {}, onTransportError() {}, onClose() {} },
      heartbeatDelay: 1,
      disconnectDelay: 1,
      responseLimit: 1,
      websocket: false,
      jsessionid: true,
      clientScriptUrl: 'https://cdn.example.com/sockjs.min.js',
      logger: silent,
    });
    assert.equal(endpoint.prefix, '/ok');
    assert.equal(endpoint.clientScriptUrl, 'https://cdn.example.com/sockjs.min.js');
  });
});

describe('defaults', () => {
  test(
    'the documented defaults: heartbeat 25 s, disconnect 5 s, response limit 128 KiB, websocket on, no JSESSIONID',
    { timeout: 2000 },
    () => {
      assert.equal(DEFAULTS.heartbeatDelay, 25_000);
      assert.equal(DEFAULTS.disconnectDelay, 5_000);
      assert.equal(DEFAULTS.responseLimit, 131_072);
      assert.equal(DEFAULTS.websocket, true);
      assert.equal(DEFAULTS.jsessionid, false);
    },
  );

  test('options left out resolve to DEFAULTS, every one of them', { timeout: 2000 }, () => {
    const resolved = resolveOptions({ prefix: '/echo', handler }) as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(DEFAULTS)) assert.deepEqual(resolved[name], value, name);
    assert.equal(resolved['clientScriptUrl'], undefined);
    assert.equal(typeof (resolved['logger'] as { error?: unknown }).error, 'function');
  });

  test('undefined given explicitly means the default', { timeout: 2000 }, () => {
    // As a JavaScript caller may write it: the types do not allow undefined, the run time must.
    const given: Record<string, unknown> = {
      prefix: '/echo',
      handler,
      heartbeatDelay: undefined,
      websocket: undefined,
    };
    const resolved = resolveOptions(given as unknown as EndpointOptions) as unknown as Record<string, unknown>;
    assert.equal(resolved['heartbeatDelay'], DEFAULTS.heartbeatDelay);
    assert.equal(resolved['websocket'], DEFAULTS.websocket);
  });

  test('given values are kept as given', { timeout: 2000 }, () => {
    const jsessionid = (): void => undefined;
    const resolved = resolveOptions({
      ...base,
      heartbeatDelay: 7,
      disconnectDelay: 8,
      responseLimit: 9,
      websocket: false,
      jsessionid,
    });
    assert.equal(resolved.heartbeatDelay, 7);
    assert.equal(resolved.disconnectDelay, 8);
    assert.equal(resolved.responseLimit, 9);
    assert.equal(resolved.websocket, false);
    assert.equal(resolved.jsessionid, jsessionid);
    assert.equal(resolved.logger, silent);
  });

  test('prefix "/" is the root: resolved to an empty prefix', { timeout: 2000 }, () => {
    assert.equal(resolveOptions({ prefix: '/', handler }).prefix, '');
  });

  test(
    'by default the endpoint serves sockjs-client itself, under its prefix, named by content hash',
    { timeout: 2000 },
    () => {
      const endpoint = createEndpoint(base);
      assert.match(endpoint.clientScriptUrl, /^\/echo\/sockjs-client\.[0-9a-f]{12}\.min\.js$/);
    },
  );
});
