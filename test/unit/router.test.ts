/** server/router.ts: splitting URLs, prefix ownership, and the route table. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { locateUnderPrefix, matchRoute, splitUrl, underPrefix } from '../../server/router';

const SCRIPT = '/sockjs-client.0123456789ab.min.js';

describe('splitUrl', () => {
  test('splits at the first "?"', { timeout: 2000 }, () => {
    assert.deepEqual(splitUrl('/echo/info?t=1'), { path: '/echo/info', query: 't=1' });
    assert.deepEqual(splitUrl('/a?b?c'), { path: '/a', query: 'b?c' });
  });

  test('no query, or an empty one', { timeout: 2000 }, () => {
    assert.deepEqual(splitUrl('/echo'), { path: '/echo', query: '' });
    assert.deepEqual(splitUrl('/echo?'), { path: '/echo', query: '' });
    assert.deepEqual(splitUrl('?x=1'), { path: '', query: 'x=1' });
    assert.deepEqual(splitUrl(''), { path: '', query: '' });
  });
});

describe('underPrefix', () => {
  test('the prefix itself and paths below it', { timeout: 2000 }, () => {
    assert.equal(underPrefix('/echo', '/echo'), '');
    assert.equal(underPrefix('/echo/', '/echo'), '/');
    assert.equal(underPrefix('/echo/info', '/echo'), '/info');
    assert.equal(underPrefix('/echo/000/abc/xhr', '/echo'), '/000/abc/xhr');
    assert.equal(underPrefix('/a/b/info', '/a/b'), '/info');
  });

  test('paths that only start with the same letters are not ours', { timeout: 2000 }, () => {
    assert.equal(underPrefix('/echo-not', '/echo'), undefined);
    assert.equal(underPrefix('/echoes/info', '/echo'), undefined);
    assert.equal(underPrefix('/echo.js', '/echo'), undefined);
  });

  test('other paths are not ours', { timeout: 2000 }, () => {
    assert.equal(underPrefix('/ech', '/echo'), undefined);
    assert.equal(underPrefix('/other', '/echo'), undefined);
    assert.equal(underPrefix('/', '/echo'), undefined);
    assert.equal(underPrefix('', '/echo'), undefined);
    assert.equal(underPrefix('/x/echo/info', '/echo'), undefined);
  });

  test('the root prefix (resolved to "") owns every path', { timeout: 2000 }, () => {
    assert.equal(underPrefix('/info', ''), '/info');
    assert.equal(underPrefix('/', ''), '/');
    assert.equal(underPrefix('', ''), '');
  });
});

describe('locateUnderPrefix', () => {
  test('plain http, or Express without a mount path: the URL as it came', { timeout: 2000 }, () => {
    assert.deepEqual(locateUnderPrefix({ url: '/echo/info?t=1' }, '/echo'), { rest: '/info', query: 't=1' });
    assert.deepEqual(locateUnderPrefix({ url: '/echo/info', originalUrl: '/echo/info', baseUrl: '' }, '/echo'), {
      rest: '/info',
      query: '',
    });
    assert.equal(locateUnderPrefix({ url: '/other/echo/info' }, '/echo'), undefined);
    assert.equal(locateUnderPrefix({ url: '/echo-not/info' }, '/echo'), undefined);
  });

  test('app.use(prefix, …): Express stripped the prefix from url, which is all of the rest', { timeout: 2000 }, () => {
    assert.deepEqual(
      locateUnderPrefix({ url: '/info?t=1', originalUrl: '/echo/info?t=1', baseUrl: '/echo' }, '/echo'),
      { rest: '/info', query: 't=1' },
    );
    // Express turns `/echo` into url `/`: the greeting either way.
    assert.deepEqual(locateUnderPrefix({ url: '/', originalUrl: '/echo', baseUrl: '/echo' }, '/echo'), {
      rest: '/',
      query: '',
    });
  });

  test("app.use('/mount', …): the mount path is the proxy's, the prefix starts url", { timeout: 2000 }, () => {
    assert.deepEqual(
      locateUnderPrefix({ url: '/echo/info?t=1', originalUrl: '/mount/echo/info?t=1', baseUrl: '/mount' }, '/echo'),
      { rest: '/info', query: 't=1' },
    );
    // A root endpoint mounted there owns everything under the mount path.
    assert.deepEqual(locateUnderPrefix({ url: '/info', originalUrl: '/mount/info', baseUrl: '/mount' }, ''), {
      rest: '/info',
      query: '',
    });
    assert.equal(
      locateUnderPrefix({ url: '/other/info', originalUrl: '/mount/other/info', baseUrl: '/mount' }, '/echo'),
      undefined,
    );
    // A prefix that names the mount path too works as before.
    assert.deepEqual(
      locateUnderPrefix({ url: '/echo/info', originalUrl: '/mount/echo/info', baseUrl: '/mount' }, '/mount/echo'),
      { rest: '/info', query: '' },
    );
  });

  test('a router mounted under another path, the endpoint at its prefix in it', { timeout: 2000 }, () => {
    assert.deepEqual(
      locateUnderPrefix({ url: '/info', originalUrl: '/api/echo/info', baseUrl: '/api/echo' }, '/echo'),
      { rest: '/info', query: '' },
    );
    assert.equal(
      locateUnderPrefix({ url: '/info', originalUrl: '/api/xecho/info', baseUrl: '/api/xecho' }, '/echo'),
      undefined,
    );
  });
});

describe('matchRoute', () => {
  test('greeting: nothing or "/"', { timeout: 2000 }, () => {
    assert.deepEqual(matchRoute('', SCRIPT), { kind: 'greeting' });
    assert.deepEqual(matchRoute('/', SCRIPT), { kind: 'greeting' });
  });

  test('info, with or without a trailing slash', { timeout: 2000 }, () => {
    assert.deepEqual(matchRoute('/info', SCRIPT), { kind: 'info' });
    assert.deepEqual(matchRoute('/info/', SCRIPT), { kind: 'info' });
    assert.deepEqual(matchRoute('/info/x', SCRIPT), { kind: 'not-found' });
    assert.deepEqual(matchRoute('/infox', SCRIPT), { kind: 'not-found' });
  });

  test('raw websocket, with or without a trailing slash', { timeout: 2000 }, () => {
    assert.deepEqual(matchRoute('/websocket', SCRIPT), { kind: 'raw-websocket' });
    assert.deepEqual(matchRoute('/websocket/', SCRIPT), { kind: 'raw-websocket' });
    assert.deepEqual(matchRoute('/websockets', SCRIPT), { kind: 'not-found' });
  });

  test('iframe pages: iframe[version].html', { timeout: 2000 }, () => {
    for (const rest of ['/iframe.html', '/iframe-a.html', '/iframe-1.6.1.html', '/iframe_x-y.z.html']) {
      assert.deepEqual(matchRoute(rest, SCRIPT), { kind: 'iframe', underSlash: false }, rest);
    }
    assert.deepEqual(matchRoute('/iframe.html/', SCRIPT), { kind: 'iframe', underSlash: true });
    for (const rest of [
      '/iframe.htm',
      '/iframeX.html',
      '/iframe.html.js',
      '/xiframe.html',
      '/iframe',
      '/iframe a.html',
    ]) {
      assert.deepEqual(matchRoute(rest, SCRIPT), { kind: 'not-found' }, rest);
    }
  });

  test('the client script only at its exact path, and only when the endpoint serves it', { timeout: 2000 }, () => {
    assert.deepEqual(matchRoute(SCRIPT, SCRIPT), { kind: 'client-script' });
    assert.deepEqual(matchRoute(SCRIPT, undefined), { kind: 'not-found' });
    assert.deepEqual(matchRoute(SCRIPT + '/', SCRIPT), { kind: 'not-found' });
    assert.deepEqual(matchRoute('/sockjs-client.ffffffffffff.min.js', SCRIPT), { kind: 'not-found' });
  });

  test('session URLs: /server/session/transport, trailing slash allowed', { timeout: 2000 }, () => {
    assert.deepEqual(matchRoute('/000/abc/xhr', SCRIPT), {
      kind: 'session',
      serverId: '000',
      sessionId: 'abc',
      transport: 'xhr',
    });
    assert.deepEqual(matchRoute('/000/abc/xhr/', SCRIPT), {
      kind: 'session',
      serverId: '000',
      sessionId: 'abc',
      transport: 'xhr',
    });
    assert.deepEqual(matchRoute('/a/b/xhr_send', SCRIPT), {
      kind: 'session',
      serverId: 'a',
      sessionId: 'b',
      transport: 'xhr_send',
    });
    assert.deepEqual(matchRoute('/1/2-3_x~!$/websocket', SCRIPT), {
      kind: 'session',
      serverId: '1',
      sessionId: '2-3_x~!$',
      transport: 'websocket',
    });
  });

  test(
    'session URLs: unknown transport names still route (the endpoint answers 404 for them)',
    { timeout: 2000 },
    () => {
      assert.deepEqual(matchRoute('/000/abc/whatever', SCRIPT), {
        kind: 'session',
        serverId: '000',
        sessionId: 'abc',
        transport: 'whatever',
      });
    },
  );

  test('server or session ids with "." or ";" are refused', { timeout: 2000 }, () => {
    for (const rest of [
      '/0.0/abc/xhr',
      '/000/a.b/xhr',
      '/000/abc./xhr',
      '/./abc/xhr',
      '/000/../xhr',
      '/0;0/abc/xhr',
      '/000/a;b/xhr',
      '/000/abc;jsessionid=1/xhr',
    ]) {
      assert.deepEqual(matchRoute(rest, SCRIPT), { kind: 'not-found' }, rest);
    }
  });

  test(
    'wrong shapes are not found: empty ids, missing or extra segments, uppercase or odd transports',
    { timeout: 2000 },
    () => {
      for (const rest of [
        '/000//xhr',
        '//abc/xhr',
        '/000/abc',
        '/000/abc/',
        '/000/abc/xhr/extra',
        '/000/abc/xhr//',
        '/000/abc/XHR',
        '/000/abc/xhr-send',
        '/000/abc/xhr.js',
        '/000/abc/xhr;a',
        '/x/000/abc/xhr',
      ]) {
        assert.deepEqual(matchRoute(rest, SCRIPT), { kind: 'not-found' }, rest);
      }
    },
  );
});
