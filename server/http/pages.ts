import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CACHE_SECONDS, cacheForever, cors, noCache, preflight, stickyCookie } from './headers';
import { TEXT_PLAIN, sendText } from '../../transports/http/respond';
import type { ResolvedOptions } from '../options';
import { RESUME_VERSION } from '../../protocol';

export function greeting(res: ServerResponse): void {
  sendText(res, 200, TEXT_PLAIN, 'Welcome to SockJS!\n');
}

/** `GET /info`: what the client needs to pick a transport. `entropy` seeds its iframe ids. */
export function info(req: IncomingMessage, res: ServerResponse, options: ResolvedOptions): void {
  cors(req, res);
  noCache(res);
  const body = JSON.stringify({
    websocket: options.websocket,
    origins: ['*:*'],
    cookie_needed: options.jsessionid !== false,
    entropy: randomBytes(4).readUInt32LE(0),
    // Only when on: without it, every byte of the answer is what a standard server sends.
    ...(options.resumeWindow > 0 && {
      resume: { version: RESUME_VERSION, window: options.resumeWindow, maxBytes: options.resumeMaxBytes },
    }),
  });
  sendText(res, 200, 'application/json; charset=UTF-8', body);
}

export function infoPreflight(req: IncomingMessage, res: ServerResponse, options: ResolvedOptions): void {
  stickyCookie(req, res, options.jsessionid);
  preflight(req, res, 'OPTIONS, GET');
}

/** The page sockjs-client loads in a hidden iframe for the cross-domain iframe transports. */
export class IframePage {
  readonly body: string;
  readonly etag: string;

  /**
   * `frameAncestors`: the CSP `frame-ancestors` value that keeps other sites from framing the page
   * (clickjacking); undefined when any origin may use the endpoint.
   */
  constructor(
    clientScriptUrl: string,
    private readonly frameAncestors: string | undefined,
  ) {
    this.body = [
      '<!DOCTYPE html>',
      '<html>',
      '<head>',
      '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />',
      '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />',
      `  <script src="${escapeAttribute(clientScriptUrl)}"></script>`,
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
    this.etag = '"' + createHash('md5').update(this.body).digest('hex') + '"';
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
    cacheForever(res);
    if (this.frameAncestors !== undefined) {
      res.setHeader('Content-Security-Policy', `frame-ancestors ${this.frameAncestors}`);
    }
    if (req.headers['if-none-match'] === this.etag) {
      res.writeHead(304);
      res.end();
      return;
    }
    res.setHeader('ETag', this.etag);
    sendText(res, 200, 'text/html; charset=UTF-8', this.body);
  }
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Serves a static script body (the bundled sockjs-client) with long caching. */
export function serveScript(res: ServerResponse, script: Buffer): void {
  res.setHeader('Cache-Control', `public, max-age=${CACHE_SECONDS}`);
  res.setHeader('Content-Type', 'application/javascript; charset=UTF-8');
  res.setHeader('Content-Length', script.length);
  res.writeHead(200);
  res.end(script);
}
