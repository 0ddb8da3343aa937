/**
 * The demo page's client switch in Chromium: the page `npm start` serves (demo/demo-page.ts, our
 * client's bundle read from dist/client/browser.mjs as npm start reads it) talks to `/echo` through
 * sockjs-client or through our SockJsSocket, picked by `?client=` or by the picker. Each time: what
 * is typed comes back, the page names the client and the transport, only our client's choice loads
 * our bundle, and the server sees a session on that transport. A session the server ends with 1011
 * is the difference: our client shows reconnecting and reconnected, sockjs-client closes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { mountDemoPage, OWN_CLIENT_BUNDLE, OWN_CLIENT_PATH } from '../../demo/demo-page';
import { listen, mountTestServices, type RunningServices } from '../../demo/test-services';
import type { SockJsEndpoint } from '../../server';
import { Resources } from '../support/resources';
import { launchBrowser, noBrowser, openPage, REPO_ROOT, withPageReport } from './browser';

const SOCKJS_CLIENT_VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', 'sockjs-client', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

const SHOWN = { 'sockjs-client': `sockjs-client ${SOCKJS_CLIENT_VERSION}`, own: 'SockJsSocket (ours)' } as const;
type ClientChoice = keyof typeof SHOWN;

/** The demo page and the test services, as demo/main.ts mounts them, on 127.0.0.1:0. */
async function startDemo(bundle?: string): Promise<RunningServices> {
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const endpoints = mountTestServices(app, server);
  mountDemoPage(app, endpoints, bundle === undefined ? {} : { bundle });
  return listen(server, app, endpoints, { host: '127.0.0.1', port: 0 });
}

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? '';
}

/** What the page shows, for failure messages. */
async function shown(page: Page): Promise<string> {
  try {
    const fields = await Promise.all(['#state', '#client-used', '#used'].map((id) => textOf(page, id)));
    const log = await page.locator('#log div').allTextContents();
    return `${JSON.stringify(fields)}, log:\n    ${log.join('\n    ')}`;
  } catch (error) {
    return `(page unreadable: ${String(error)})`;
  }
}

/** Types `message` into the form and waits for its echo in the log. */
async function echo(page: Page, message: string): Promise<void> {
  await page.locator('#text').fill(message);
  await page.locator('#text').press('Enter');
  await page.locator('#log .in', { hasText: `<- a${JSON.stringify([message])}` }).waitFor({ timeout: 10_000 });
}

describe('the demo page switches between sockjs-client and our client, in Chromium', { skip: noBrowser }, () => {
  const resources = new Resources();
  let browser: Browser;
  let demo: RunningServices;
  let echoEndpoint: SockJsEndpoint;

  before(async () => {
    assert.ok(
      existsSync(OWN_CLIENT_BUNDLE),
      `${OWN_CLIENT_BUNDLE} is missing: node scripts/browser-bundle.mjs writes it (npm test's pretest runs it)`,
    );
    demo = resources.add(await startDemo(), (d) => d.close());
    const found = demo.endpoints.find((endpoint) => endpoint.prefix === '/echo');
    assert.ok(found);
    echoEndpoint = found;
    browser = resources.add(await launchBrowser(), (b) => b.close());
  });
  after(() => resources.closeAll());

  /** Opens a page, records whether it fetched our bundle, runs `fn`; the page's report on failure. */
  async function onPage(fn: (page: Page, loadedOwnClient: () => boolean) => Promise<void>): Promise<void> {
    const { context, page, problems } = await openPage(browser);
    let bundleRequests = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === OWN_CLIENT_PATH) bundleRequests++;
    });
    try {
      await withPageReport(problems, async () => {
        try {
          await fn(page, () => bundleRequests > 0);
        } catch (error) {
          if (error instanceof Error) error.message += `\n  the page shows ${await shown(page)}`;
          throw error;
        }
      });
    } finally {
      await context.close();
    }
  }

  const CASES: ReadonlyArray<{ client: ClientChoice; transport: string }> = [
    { client: 'sockjs-client', transport: 'websocket' },
    { client: 'sockjs-client', transport: 'xhr-streaming' },
    { client: 'own', transport: 'websocket' },
    { client: 'own', transport: 'xhr-streaming' },
    { client: 'own', transport: 'eventsource' },
    { client: 'own', transport: 'xhr-polling' },
  ];
  for (const { client, transport } of CASES) {
    test(`?client=${client}&transport=${transport}: echoes through ${SHOWN[client]} and says so`, async () => {
      await onPage(async (page, loadedOwnClient) => {
        const before = new Set(echoEndpoint.sessions.keys());
        await page.goto(`${demo.baseUrl}/?client=${client}&transport=${transport}&autoconnect=1`);
        await page.locator('#state', { hasText: /^open$/ }).waitFor({ timeout: 15_000 });
        assert.equal(await textOf(page, '#client-used'), SHOWN[client], 'the client in use, as the page shows it');
        assert.equal(await textOf(page, '#used'), transport, 'the transport in use, as the page shows it');
        assert.equal(await page.locator('#client').inputValue(), client, 'the picker shows the client asked for');
        for (const message of [`Hello through ${client} over ${transport}!`, 'héllo ✓ “quotes” \\ </script>']) {
          await echo(page, message);
        }
        assert.equal(await textOf(page, '#sent'), '2');
        assert.equal(await textOf(page, '#received'), '3', 'frames in: o and two echoes');
        assert.equal(loadedOwnClient(), client === 'own', 'our bundle is loaded for our client only');
        const created = [...echoEndpoint.sessions.values()].filter((session) => !before.has(session.id));
        assert.deepEqual(
          created.map((session) => session.transport),
          [transport],
          'one new /echo session, on that transport',
        );
      });
    });
  }

  test('no ?client=: sockjs-client; picking "SockJsSocket (ours)" in the page connects through ours', async () => {
    await onPage(async (page, loadedOwnClient) => {
      await page.goto(`${demo.baseUrl}/`);
      assert.equal(await page.locator('#client').inputValue(), 'sockjs-client', 'sockjs-client unless asked');
      assert.equal(await page.locator('#transport option[value="jsonp-polling"]').isDisabled(), false);
      await page.locator('#client').selectOption('own');
      // Ours has no iframe or JSONP transports: the picker offers only its four (and auto).
      const enabled = await page
        .locator('#transport option:not([disabled])')
        .evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value));
      assert.deepEqual(enabled, ['', 'websocket', 'xhr-streaming', 'xhr-polling', 'eventsource']);
      await page.locator('#connect').click();
      await page.locator('#state', { hasText: /^open$/ }).waitFor({ timeout: 15_000 });
      assert.equal(await textOf(page, '#client-used'), SHOWN.own);
      assert.equal(await textOf(page, '#used'), 'websocket', 'auto: websocket first');
      assert.equal(await page.locator('#client').isDisabled(), true, 'no switching while connected');
      await echo(page, 'picked in the page');
      assert.ok(loadedOwnClient());
      await page.locator('#disconnect').click();
      await page.locator('#state', { hasText: /^closed \(1000\)$/ }).waitFor();
      assert.equal(await page.locator('#client').isDisabled(), false, 'switchable again once closed');
    });
  });

  for (const client of ['own', 'sockjs-client'] as const) {
    test(`the server ends the session with 1011: ${
      client === 'own' ? 'ours shows reconnecting, reconnected, and echoes again' : 'sockjs-client closes'
    }`, async () => {
      await onPage(async (page) => {
        const before = new Set(echoEndpoint.sessions.keys());
        await page.goto(`${demo.baseUrl}/?client=${client}&transport=websocket&autoconnect=1`);
        await page.locator('#state', { hasText: /^open$/ }).waitFor({ timeout: 15_000 });
        await echo(page, 'before');
        const session = [...echoEndpoint.sessions.values()].find((s) => !before.has(s.id));
        assert.ok(session, 'the page has a session');
        session.close(1011, 'Server error');
        if (client === 'sockjs-client') {
          await page.locator('#state', { hasText: /^closed \(1011\)$/ }).waitFor({ timeout: 10_000 });
          assert.equal(await page.locator('#log', { hasText: 'reconnect' }).count(), 0);
          return;
        }
        // Our client's first attempt waits up to minReconnectDelay (1 s by default).
        await page
          .locator('#log .sys', { hasText: /reconnecting: lost \(1011 Server error\), attempt 1 in/ })
          .waitFor();
        await page.locator('#log .in', { hasText: 'reconnected over websocket (attempt 1, a new session)' }).waitFor();
        await page.locator('#state', { hasText: /^open$/ }).waitFor();
        assert.equal(await textOf(page, '#used'), 'websocket');
        await echo(page, 'after');
        const again = [...echoEndpoint.sessions.values()].filter((s) => !before.has(s.id) && s !== session);
        assert.deepEqual(
          again.map((s) => s.transport),
          ['websocket'],
          'a second session',
        );
      });
    });
  }

  test('our bundle missing: the server answers 500 and the page says it cannot open our client', async () => {
    const broken = resources.add(await startDemo(path.join(REPO_ROOT, 'no-such-dir', 'browser.mjs')), (d) => d.close());
    const { context, page } = await openPage(browser);
    try {
      const response = page.waitForResponse((r) => new URL(r.url()).pathname === OWN_CLIENT_PATH);
      await page.goto(`${broken.baseUrl}/?client=own&autoconnect=1`);
      assert.equal((await response).status(), 500);
      await page.locator('#state', { hasText: /^closed \(no client\)$/ }).waitFor({ timeout: 10_000 });
      await page.locator('#log .sys', { hasText: `cannot open ${SHOWN.own} from ${OWN_CLIENT_PATH}` }).waitFor();
    } finally {
      await context.close();
    }
  });
});
