import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedOptions } from '../options';

/** Transport responses must never be cached or transformed (compressed) by anything in between. */
export function noCache(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store, no-cache, no-transform, must-revalidate, max-age=0');
}

/**
 * Every answer of an endpoint carries `X-Content-Type-Options: nosniff`: several are script
 * (jsonp, xhr, the served sockjs-client) or HTML (htmlfile, the iframe page) built around data a
 * client chose, and error bodies have no Content-Type at all. Without it a browser may guess a type
 * and run one as another (a jsonp answer as HTML or Flash, an error body as HTML). Set once for every
 * response, so a new route cannot forget it.
 */
export function noSniff(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** One year, as the protocol suite expects for static answers. */
export const CACHE_SECONDS = 365 * 24 * 60 * 60;

export function cacheForever(res: ServerResponse): void {
  res.setHeader('Cache-Control', `public, max-age=${CACHE_SECONDS}`);
  res.setHeader('Expires', new Date(Date.now() + CACHE_SECONDS * 1000).toUTCString());
}

/**
 * CORS for the XHR transports: a request with an Origin gets it echoed with credentials allowed
 * (sockjs-client sends cookies for sticky sessions); one without gets `*`.
 */
export function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin === undefined) {
    res.setHeader('Access-Control-Allow-Origin', '*');
  } else {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  res.setHeader('Vary', 'Origin');
  const requested = req.headers['access-control-request-headers'];
  if (requested) res.setHeader('Access-Control-Allow-Headers', requested);
}

/** Answers a CORS preflight for a route that takes `methods`. */
export function preflight(req: IncomingMessage, res: ServerResponse, methods: string): void {
  cors(req, res);
  cacheForever(res);
  res.setHeader('Access-Control-Allow-Methods', methods);
  res.setHeader('Access-Control-Max-Age', String(CACHE_SECONDS));
  res.writeHead(204);
  res.end();
}

/** Sets the JSESSIONID cookie that sticky load balancers route on, when the endpoint asks for it. */
export function stickyCookie(req: IncomingMessage, res: ServerResponse, option: ResolvedOptions['jsessionid']): void {
  if (option === false) return;
  if (typeof option === 'function') {
    option(req, res);
    return;
  }
  const value = readCookie(req.headers.cookie, 'JSESSIONID') ?? 'dummy';
  res.setHeader('Set-Cookie', `JSESSIONID=${value}; path=/`);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      // Only token characters: the value goes back out in a header.
      return /^[!#-+\--:<-[\]-~]*$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}
