/**
 * HAProxy's inserted cookie (demo/proxy/haproxy/sticky-cookie.cfg) with the client it is made for:
 * sockjs-client in headless Chromium, which keeps cookies (sockjs-client in Node keeps none). Three
 * nodes (test/support/nodes.ts) behind HAProxy; the page and sockjs-client's script come from a
 * server of their own on another loopback port (the nodes serve only /echo). Its origin is another,
 * but the same site: sockjs-client's cross-origin XHRs go with credentials, and the cookie is sent
 * with them and with the websocket. (A page Playwright fulfils itself is no loopback page, and
 * Chromium's local network access checks block its websocket to 127.0.0.1.) Two browser contexts
 * (two cookie jars): each pinned to one node for every session of every transport; then that node
 * killed: the page's session closes, and its next session lands on another node, with that node's
 * cookie.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { DEFAULT_HAPROXY, findHaproxy, startHaproxy } from '../../demo/proxy/haproxy';
import { NODE_PREFIX, replyNode, type TestNode } from '../support/nodes';
import { Resources } from '../support/resources';
import { nodeNamed, startNodes, type StartedProxy } from '../support/sticky-routing';
import {
  REPO_ROOT,
  launchBrowser,
  noBrowser,
  openPage,
  startHttpServer,
  withPageReport,
  type ClientTransport,
  type HttpServer,
} from './browser';
import { PageHarness, harnessPage } from './harness';

const haproxyBin = findHaproxy();
const skip =
  noBrowser ||
  (haproxyBin
    ? false
    : `haproxy not found at ${process.env.HAPROXY ?? DEFAULT_HAPROXY} (set HAPROXY=...; CI installs it)`);

/**
 * The transports whose every request carries the cookie from a page of another origin: the
 * websocket, and sockjs-client's XHRs (sent with credentials). Not eventsource: sockjs-client opens
 * its EventSource without credentials, so the stream went round robin while its xhr_send went to
 * the pinned node (404, tried). With the page on the endpoint's own origin it would carry it.
 */
const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling'] as const satisfies readonly ClientTransport[];
const ROUND_TRIPS = 5;
const CLIENT_SCRIPT = path.join(REPO_ROOT, 'node_modules', 'sockjs-client', 'dist', 'sockjs.min.js');
const LONG = { timeout: 60_000 };

describe('sockjs-client in Chromium behind HAProxy (inserted cookie)', { skip }, () => {
  const resources = new Resources();
  after(() => resources.closeAll());
  let nodes: TestNode[] = [];
  let proxy: StartedProxy;
  let browser: Browser;
  /** Serves the page and sockjs-client's script. */
  let pages: HttpServer;
  /** The first browser's page, pinned in the first test and moved in the second. */
  let first: { context: BrowserContext; harness: PageHarness; problems: string[] } | undefined;

  before(async () => {
    nodes = await startNodes(resources);
    proxy = resources.add(
      await startHaproxy({ mode: 'sticky-cookie', nodes, ...(haproxyBin ? { bin: haproxyBin } : {}) }),
      (p) => p.stop(),
    );
    pages = resources.add(await startHttpServer(), (server) => server.close());
    const html = harnessPage({ clientScriptUrl: '/sockjs.min.js', sockjsUrl: `${proxy.url}${NODE_PREFIX}` });
    pages.app.get('/page.html', (_req, res) => void res.type('html').send(html));
    pages.app.get('/sockjs.min.js', (_req, res) => void res.sendFile(CLIENT_SCRIPT));
    browser = resources.add(await launchBrowser(), (b) => b.close());
  });

  /** A new browser context (its own cookie jar) with the page loaded at HAProxy's origin. */
  async function openAtProxy(): Promise<{ context: BrowserContext; harness: PageHarness; problems: string[] }> {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${pages.origin}/page.html`);
    return { context, harness: new PageHarness(page), problems };
  }

  async function serverIdCookie(context: BrowserContext): Promise<string | undefined> {
    return (await context.cookies(proxy.url)).find((cookie) => cookie.name === 'SERVERID')?.value;
  }

  /** One session on `transport`: opened, `ROUND_TRIPS` messages echoed, closed; the nodes that replied. */
  async function session(harness: PageHarness, transport: ClientTransport, tag: string): Promise<string[]> {
    await harness.open(transport);
    const status = await harness.opened(`${tag} ${transport}`);
    assert.equal(status.transportAtOpen, transport);
    await harness.send(Array.from({ length: ROUND_TRIPS }, (_, k) => `${tag}-${k}`));
    await harness.received(ROUND_TRIPS, `${tag} ${transport} replies`);
    const replies = await harness.messages();
    await harness.close(1000, 'done');
    await harness.closed(`${tag} ${transport} close`);
    return replies.map(replyNode);
  }

  test('two browsers, each pinned by its cookie: every session of every transport on its node', LONG, async () => {
    const pinnedTo: string[] = [];
    for (const which of ['first', 'second']) {
      const opened = await openAtProxy();
      resources.add(opened.context, (c) => c.close());
      if (which === 'first') first = opened;
      await withPageReport(opened.problems, async () => {
        const replied: string[] = [];
        for (const transport of TRANSPORTS) replied.push(...(await session(opened.harness, transport, which)));
        assert.equal(new Set(replied).size, 1, `${which} browser: ${replied.join(' ')}`);
        assert.equal(await serverIdCookie(opened.context), replied[0]);
        pinnedTo.push(replied[0] ?? '?');
      });
    }
    // Their first requests (/info, without a cookie) went round robin: to two different nodes.
    assert.notEqual(pinnedTo[0], pinnedTo[1]);
  });

  test('its node killed: the session closes, the next one lands on another node, with its cookie', LONG, async () => {
    assert.ok(first, 'the first test pinned a browser');
    const { context, harness, problems } = first;
    const pinned = await serverIdCookie(context);
    assert.ok(pinned);
    await withPageReport(problems, async () => {
      await harness.open('xhr-streaming');
      await harness.opened('before the kill');
      await nodeNamed(nodes, pinned).kill();
      const closed = await harness.closed('the session on the killed node');
      assert.notEqual(closed.code, 1000, JSON.stringify(closed));
      // Requests to the dead node failing are what the kill does: not a page problem.
      problems.length = 0;
      const replied: string[] = [];
      for (const transport of TRANSPORTS) replied.push(...(await session(harness, transport, 'after')));
      assert.equal(new Set(replied).size, 1, replied.join(' '));
      assert.notEqual(replied[0], pinned);
      assert.equal(await serverIdCookie(context), replied[0]);
    });
  });
});
