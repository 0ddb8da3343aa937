/** The /iframe*.html page used for cross-domain transports. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { GET, type HttpResponse } from '../support/raw-http';
import { assert404, assertContentType, assertLongCache, assertNoCookie } from '../support/assertions';

const target = useTarget();

/** The page, with {{SOCKJS_URL}} standing for the configurable client script URL. */
const IFRAME_TEMPLATE = [
  '<!DOCTYPE html>',
  '<html>',
  '<head>',
  '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />',
  '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />',
  '  <script src="{{SOCKJS_URL}}"></script>',
  '  <script>',
  '    document.domain = document.domain;',
  '    SockJS.bootstrap_iframe();',
  '  </script>',
  '</head>',
  '<body>',
  "  <h2>Don't panic!</h2>",
  "  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>",
  '</body>',
  '</html>',
].join('\n');

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const IFRAME_BODY = new RegExp('^' + IFRAME_TEMPLATE.split('{{SOCKJS_URL}}').map(escapeRegExp).join('([^"]*)') + '$');

async function assertIframePage(path: string): Promise<HttpResponse> {
  const r = await GET(target().port, path);
  assert.equal(r.status, 200, path);
  assertContentType(r, 'text/html;charset=UTF-8');
  assertLongCache(r);
  assert.ok(r.header('etag'), 'the iframe page carries an ETag');
  assert.equal(r.header('last-modified'), undefined, 'no Last-Modified on the iframe page');
  const match = IFRAME_BODY.exec(r.body.trim());
  assert.ok(match, `iframe body does not match the template: ${JSON.stringify(r.body)}`);
  await assertLoadsTheScript(match[1] ?? '', path);
  assertNoCookie(r);
  return r;
}

/**
 * The protocol suite asks for a `sockjs_url` that starts with `/` or `http`. Ours is relative
 * (`./sockjs-client.<hash>.min.js`, the script the endpoint serves beside the page), so that the
 * page works behind a proxy that strips or adds a path prefix, where `/echo/...` would point
 * outside the proxied path; sockjs-node's default, and the reference server's here, is absolute.
 * Either way the browser resolves it against the page's URL: on the server's own origin it must
 * serve the script, elsewhere it must be an absolute http(s) URL.
 */
async function assertLoadsTheScript(sockjsUrl: string, pagePath: string): Promise<void> {
  const { baseUrl, port } = target();
  const resolved = new URL(sockjsUrl, baseUrl + pagePath);
  if (resolved.origin !== baseUrl) {
    assert.match(sockjsUrl, /^https?:\/\//, `sockjs_url must be a URL, got ${sockjsUrl}`);
    return;
  }
  assert.ok(sockjsUrl !== '', 'sockjs_url is not empty');
  const script = await GET(port, resolved.pathname + resolved.search);
  assert.equal(script.status, 200, `sockjs_url ${sockjsUrl} from ${pagePath} (${resolved.pathname})`);
  assertContentType(script, 'application/javascript;charset=UTF-8');
}

describe('iframe page', () => {
  test('/iframe.html is served as cacheable HTML matching the template', { timeout: 10_000 }, async () => {
    await assertIframePage('/echo/iframe.html');
  });

  test('versioned names /iframe-<anything>.html serve the same page', { timeout: 10_000 }, async () => {
    for (const suffix of [
      '/iframe-a.html',
      '/iframe-.html',
      '/iframe-0.1.2.html',
      '/iframe-0.1.2abc-dirty.2144.html',
    ]) {
      await assertIframePage('/echo' + suffix);
    }
  });

  test('with a trailing slash (iframe.html/) the page still finds its script', { timeout: 10_000 }, async () => {
    await assertIframePage('/echo/iframe.html/');
    await assertIframePage('/echo/iframe-0.1.2.html/?t=1');
  });

  test('a query string on the iframe URL is ignored', { timeout: 10_000 }, async () => {
    for (const suffix of [
      '/iframe-a.html?t=1234',
      '/iframe-0.1.2.html?t=123414',
      '/iframe-0.1.2abc-dirty.2144.html?t=qweqweq123',
    ]) {
      await assertIframePage('/echo' + suffix);
    }
  });

  test('malformed iframe names answer 404', { timeout: 10_000 }, async () => {
    for (const suffix of [
      '/iframe.htm',
      '/iframe',
      '/IFRAME.HTML',
      '/IFRAME',
      '/iframe.HTML',
      '/iframe.xml',
      '/iframe-/.html',
    ]) {
      assert404(await GET(target().port, '/echo' + suffix), suffix);
    }
  });

  test(
    'the ETag is stable and If-None-Match with it gives 304 without Content-Type or body',
    { timeout: 10_000 },
    async () => {
      const r1 = await GET(target().port, '/echo/iframe.html');
      const r2 = await GET(target().port, '/echo/iframe.html');
      const etag = r1.header('etag');
      assert.ok(etag, 'ETag present');
      assert.equal(r2.header('etag'), etag, 'ETag is the same on every request');

      const r = await GET(target().port, '/echo/iframe.html', { headers: { 'If-None-Match': etag } });
      assert.equal(r.status, 304);
      assert.equal(r.header('content-type'), undefined, 'a 304 has no Content-Type');
      assert.equal(r.body, '');
    },
  );
});
