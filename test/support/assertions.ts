/**
 * Checks shared by many conformance tests, expressed once: status codes,
 * header presence/absence and exact header values the protocol requires.
 */
import assert from 'node:assert/strict';
import type { SockJsErrorCode } from '../../protocol';
import { type HttpHead, HttpResponse, OPTIONS } from './raw-http';

type HasHead = HttpResponse | HttpHead;

function headOf(r: HasHead): HttpHead {
  return r instanceof HttpResponse ? r.head : r;
}

/** The exact Cache-Control value for responses that must never be cached. */
export const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';

export function assert404(r: HttpResponse, what = ''): void {
  assert.equal(r.status, 404, `expected 404 ${what}, got ${r.status} with body ${JSON.stringify(r.body)}`);
}

/** 405: an Allow header, no Content-Type, no body. */
export function assert405(r: HttpResponse): void {
  assert.equal(r.status, 405);
  assert.equal(r.header('content-type'), undefined, 'a 405 carries no Content-Type');
  assert.ok(r.header('allow'), 'a 405 must list the allowed methods in Allow');
  assert.equal(r.body, '', 'a 405 has an empty body');
}

/** Content-Type equal to `expected` once spaces are removed. */
export function assertContentType(r: HasHead, expected: string): void {
  assert.equal(headOf(r).contentTypeNoSpaces(), expected, `Content-Type (spaces removed)`);
}

export function assertNoCookie(r: HasHead): void {
  assert.equal(headOf(r).header('set-cookie'), undefined, 'no Set-Cookie expected');
}

/**
 * CORS headers: with an Origin the server echoes it and allows credentials;
 * without one it answers "*" and does not send Allow-Credentials.
 */
export function assertCors(r: HasHead, origin?: string): void {
  const head = headOf(r);
  if (origin) {
    assert.equal(head.header('access-control-allow-origin'), origin, 'Access-Control-Allow-Origin echoes the Origin');
    assert.equal(head.header('access-control-allow-credentials'), 'true', 'Access-Control-Allow-Credentials');
  } else {
    assert.equal(head.header('access-control-allow-origin'), '*', 'Access-Control-Allow-Origin without Origin');
    assert.equal(head.header('access-control-allow-credentials'), undefined, 'no Allow-Credentials without Origin');
  }
}

/** Exact no-cache Cache-Control, and neither Expires nor Last-Modified. */
export function assertNotCached(r: HasHead): void {
  const head = headOf(r);
  assert.equal(head.header('cache-control'), NO_CACHE, 'Cache-Control of an uncacheable response');
  assert.equal(head.header('expires'), undefined, 'no Expires on an uncacheable response');
  assert.equal(head.header('last-modified'), undefined, 'no Last-Modified on an uncacheable response');
}

/** Public caching with a max-age of at least a million seconds (a year is expected), plus Expires. */
export function assertLongCache(r: HasHead): void {
  const head = headOf(r);
  const cacheControl = head.header('cache-control') ?? '';
  assert.match(cacheControl, /public/, 'Cache-Control must be public');
  assert.match(cacheControl, /max-age=[1-9][0-9]{6}/, 'Cache-Control max-age must be large (one year)');
  assert.ok(head.header('expires'), 'an Expires header is required');
}

/**
 * A CORS preflight, tried with Origin "test" and Origin "null": 200 or 204,
 * long public caching, Access-Control-Max-Age over 1000000, every requested
 * method allowed, no body, and the CORS headers for that origin.
 */
export async function assertPreflight(port: number, path: string, requestedMethods: string): Promise<void> {
  for (const origin of ['test', 'null']) {
    const r = await OPTIONS(port, path, {
      headers: { 'Access-Control-Request-Method': requestedMethods, Origin: origin },
    });
    assert.ok(r.status === 200 || r.status === 204, `preflight status 200 or 204, got ${r.status}`);
    assertLongCache(r);
    const maxAge = parseInt(r.header('access-control-max-age') ?? '', 10);
    assert.ok(
      maxAge > 1000000,
      `Access-Control-Max-Age must exceed 1000000, got ${r.header('access-control-max-age')}`,
    );
    const allowed = r.header('access-control-allow-methods') ?? '';
    for (const method of requestedMethods.split(',').map((m) => m.trim())) {
      assert.ok(allowed.includes(method), `Access-Control-Allow-Methods ${JSON.stringify(allowed)} lacks ${method}`);
    }
    assert.equal(r.body, '', 'a preflight response has no body');
    assertCors(r, origin);
  }
}

/** Set-Cookie starts with "JSESSIONID=<value>; path=/". */
export function assertJsessionCookie(r: HasHead, value = 'dummy'): void {
  const cookie = headOf(r).header('set-cookie');
  assert.ok(cookie, 'a Set-Cookie header is required');
  const parts = cookie.split(';');
  assert.equal(parts[0]?.trim(), `JSESSIONID=${value}`);
  assert.equal(parts[1]?.trim().toLowerCase(), 'path=/');
}

/** `run` throws an error with this catalogue `code` (and a message matching `message`, when given). */
export function assertThrowsCode(run: () => unknown, code: SockJsErrorCode, message?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.equal((error as { code?: unknown }).code, code);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}
