/**
 * The demo page at `/` (cli/page.ts) with both clients: sockjs-client from the `/echo` endpoint, and
 * our client's browser bundle, dist/client/browser.mjs, which scripts/browser-bundle.mjs writes
 * (`npm run build`, so `npm ci` too; `npm start` and `npm test` run it again, so that it matches
 * client/ as it is now).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Express } from 'express';
import { CLIENT_TRANSPORTS } from '../client/transport/types';
import { demoPage, type DemoLink } from '../cli/page';
import type { OwnClientChoice } from '../cli/page-script';
import type { SockJsEndpoint } from '../server';

/** Where the page imports it from. */
export const OWN_CLIENT_PATH = '/client/browser.mjs';

/** The bundle, from this file's compiled place (dist/demo/): dist/client/browser.mjs. */
export const OWN_CLIENT_BUNDLE = path.join(__dirname, '..', 'client', 'browser.mjs');

/** What the demo page is told about our client. */
export const OWN_CLIENT_CHOICE: OwnClientChoice = { url: OWN_CLIENT_PATH, transports: CLIENT_TRANSPORTS };

/**
 * Serves the bundle at OWN_CLIENT_PATH, read on each request (a rebuilt bundle needs no restart) and
 * never cached. A missing bundle is a 500 through Express's error handler (logged), saying how to build it.
 */
export function serveOwnClient(app: Express, bundle: string = OWN_CLIENT_BUNDLE): void {
  app.get(OWN_CLIENT_PATH, (_req, res, next) => {
    readFile(bundle).then(
      (code) => {
        res.type('text/javascript').set('Cache-Control', 'no-cache').send(code);
      },
      (error: unknown) => {
        const detail = error instanceof Error ? error.message : String(error);
        next(new Error(`our client's bundle ${bundle}: ${detail} (node scripts/browser-bundle.mjs builds it)`));
      },
    );
  });
}

export interface DemoPageMount {
  /** Links to the server's other pages. */
  links?: readonly DemoLink[];
  /** Where our client's bundle is read from. Default: OWN_CLIENT_BUNDLE. */
  bundle?: string;
}

/** The demo page at `/`, talking to the `/echo` endpoint among `endpoints`, and our client's bundle. */
export function mountDemoPage(app: Express, endpoints: readonly SockJsEndpoint[], options: DemoPageMount = {}): void {
  const echo = endpoints.find((endpoint) => endpoint.prefix === '/echo');
  if (!echo) throw new Error('the demo page talks to /echo: no such endpoint');
  const page = demoPage(echo.clientScriptUrl, { links: options.links ?? [], ownClient: OWN_CLIENT_CHOICE });
  serveOwnClient(app, options.bundle);
  app.get('/', (_req, res) => {
    res.type('html').send(page);
  });
}
