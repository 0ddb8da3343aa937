/**
 * The two-server rig of the matrix and legacy tests: the SockJS server with its endpoints, a
 * second server for pages on another origin, the harness page on both, and one Chromium. Set up
 * before the tests of the describe block that asks for it, torn down after them.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import type { SockJsEndpoint } from '../../server';
import { launchBrowser, startHttpServer, type HttpServer } from './browser';
import { harnessPage } from './harness';

/** Where the page is, relative to the SockJS server. */
export type Placement = 'same-origin' | 'cross-origin';

export interface BrowserRig {
  readonly browser: Browser;
  /** The server of the endpoints. */
  readonly sockjsServer: HttpServer;
  /** The second server, for the cross-origin page. */
  readonly pageServer: HttpServer;
  /** The page server's origin named `localhost`: the origin the endpoints allow. */
  readonly otherOrigin: string;
  readonly endpoints: readonly SockJsEndpoint[];
  /**
   * The harness page on the SockJS server's origin and on the other origin; `refused`: the page
   * server under its IP address, a third origin, allowed by no endpoint.
   */
  readonly pages: Readonly<Record<Placement | 'refused', string>>;
}

export interface RigOptions {
  /** The page's path on both servers, e.g. `/matrix.html`. */
  pagePath: string;
  /**
   * The endpoints, made knowing the other origin (to allow it); the page connects to the first
   * one's prefix and loads sockjs-client from it.
   */
  endpoints: (otherOrigin: string) => SockJsEndpoint[];
  /** Runs on the SockJS server before the endpoints are mounted (a request log, a listener). */
  prepare?: (sockjsServer: HttpServer) => void;
  /** The page deletes `window.WebSocket` before sockjs-client loads. */
  withoutWebSocket?: boolean;
}

/** Registers the hooks; the accessor is valid inside tests. */
export function useBrowserRig(options: RigOptions): () => BrowserRig {
  let rig: BrowserRig | undefined;
  let browser: Browser | undefined;
  let sockjsServer: HttpServer | undefined;
  let pageServer: HttpServer | undefined;
  let endpoints: SockJsEndpoint[] = [];

  before(async () => {
    // The page's server first: its origin goes into the endpoints' allowedOrigins.
    pageServer = await startHttpServer();
    const otherOrigin = `http://localhost:${pageServer.port}`;
    sockjsServer = await startHttpServer();
    options.prepare?.(sockjsServer);
    endpoints = options.endpoints(otherOrigin);
    for (const endpoint of endpoints) {
      sockjsServer.app.use(endpoint.prefix, endpoint.middleware);
      endpoint.attach(sockjsServer.server);
    }
    const [main] = endpoints;
    assert.ok(main, 'the rig needs an endpoint');
    const withoutWebSocket = options.withoutWebSocket ? { withoutWebSocket: true } : {};
    const samePage = harnessPage({
      clientScriptUrl: main.clientScriptUrl,
      sockjsUrl: main.prefix,
      ...withoutWebSocket,
    });
    sockjsServer.app.get(options.pagePath, (_req, res) => {
      res.type('html').send(samePage);
    });
    const crossPage = harnessPage({
      clientScriptUrl: sockjsServer.origin + main.clientScriptUrl,
      sockjsUrl: sockjsServer.origin + main.prefix,
      ...withoutWebSocket,
    });
    pageServer.app.get(options.pagePath, (_req, res) => {
      res.type('html').send(crossPage);
    });
    browser = await launchBrowser();
    rig = {
      browser,
      sockjsServer,
      pageServer,
      otherOrigin,
      endpoints,
      pages: {
        'same-origin': sockjsServer.origin + options.pagePath,
        'cross-origin': otherOrigin + options.pagePath,
        refused: pageServer.origin + options.pagePath,
      },
    };
  });

  after(async () => {
    await browser?.close();
    for (const endpoint of endpoints) await endpoint.close();
    await sockjsServer?.close();
    await pageServer?.close();
  });

  return () => {
    assert.ok(rig, 'setup failed');
    return rig;
  };
}
