/**
 * The `npm start` demo in Chromium, once per transport: the page connects by itself
 * (`/?transport=<t>&autoconnect=1`), two messages typed into the form come back, the page shows
 * the transport in use, and a screenshot is written to `test-artifacts/screenshots/<t>.png`
 * (plus `demo.png`, on xhr-streaming, for the README).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { mountDemoPage } from '../../demo/demo-page';
import { listen, mountTestServices, type RunningServices } from '../../demo/test-services';
import type { SockJsEndpoint } from '../../server';
import {
  CLIENT_TRANSPORTS,
  REPO_ROOT,
  SERVER_TRANSPORT,
  launchBrowser,
  noBrowser,
  openPage,
  withPageReport,
  type ClientTransport,
} from './browser';

const SCREENSHOTS = path.join(REPO_ROOT, 'test-artifacts', 'screenshots');

/** The demo as `npm start` serves it (demo/main.ts), on 127.0.0.1:0. */
async function startDemo(): Promise<RunningServices> {
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const endpoints = mountTestServices(app, server);
  mountDemoPage(app, endpoints);
  return listen(server, app, endpoints, { host: '127.0.0.1', port: 0 });
}

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? '';
}

/**
 * The demo forces one transport and leaves sockjs-client's connect timeout at its default: the
 * round trip of `/info` plus 300 ms, times the transport's round trips (about 0.3 s for
 * jsonp-polling on loopback). With no other transport to fall back to, one stall of that length
 * on a busy machine closes the page with 2000 "All transports failed" before it ever opens. This
 * script, run before the page's own, gives `new SockJS()` a 10 s `timeout` when the page sets
 * none (and only in the top frame), as the matrix and legacy pages do; nothing else changes.
 */
const GENEROUS_CONNECT_TIMEOUT = `(() => {
  if (window.top !== window) return;
  let wrapped;
  Object.defineProperty(window, 'SockJS', {
    configurable: true,
    get() { return wrapped; },
    set(Original) {
      function SockJS(url, protocols, options) {
        const patched = Object.assign({}, options);
        if (patched.timeout === undefined) patched.timeout = 10000;
        return new Original(url, protocols, patched);
      }
      Object.assign(SockJS, Original);
      SockJS.prototype = Original.prototype;
      wrapped = SockJS;
    },
  });
})();`;

/** What the demo page shows, for failure messages: state, transport, and the log. */
async function shown(page: Page): Promise<string> {
  try {
    const state = JSON.stringify(await textOf(page, '#state'));
    const used = JSON.stringify(await textOf(page, '#used'));
    const log = await page.locator('#log div').allTextContents();
    return `state ${state}, transport ${used}, log:\n    ${log.join('\n    ')}`;
  } catch (error) {
    return `(page unreadable: ${String(error)})`;
  }
}

/**
 * Opens the demo forced to `transport`, sends two messages through the form, checks the page and
 * the server, and takes the screenshot.
 */
async function exerciseDemo(
  page: Page,
  baseUrl: string,
  transport: ClientTransport,
  echo: SockJsEndpoint,
): Promise<void> {
  const sessionsBefore = new Set(echo.sessions.keys());
  await page.goto(`${baseUrl}/?transport=${transport}&autoconnect=1`);
  await page.locator('#state', { hasText: /^open$/ }).waitFor({ timeout: 15_000 });
  assert.equal(await textOf(page, '#used'), transport, 'the transport in use, as the page shows it');
  assert.equal(await page.locator('#transport').inputValue(), transport, 'the picker shows the forced transport');

  const messages = [`Hello over ${transport}!`, 'Unicode too: héllo wörld ✓ “quotes” \\ </script>'];
  for (const message of messages) {
    await page.locator('#text').fill(message);
    await page.locator('#text').press('Enter');
    await page.locator('#log .in', { hasText: `<- a${JSON.stringify([message])}` }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#text').inputValue(), '', 'the input is cleared after sending');
  }
  assert.equal(await textOf(page, '#sent'), '2', 'frames out');
  assert.equal(await textOf(page, '#received'), '3', 'frames in: o and two echoes');
  assert.equal(await textOf(page, '#state'), 'open');

  const created = [...echo.sessions.values()].filter((session) => !sessionsBefore.has(session.id));
  assert.deepEqual(
    created.map((session) => session.transport),
    [SERVER_TRANSPORT[transport]],
    'one new /echo session, on the server side of the transport',
  );

  const file = path.join(SCREENSHOTS, `${transport}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  assert.ok((await stat(file)).size > 10_000, `${file} looks like a real screenshot`);
  if (transport === 'xhr-streaming') await copyFile(file, path.join(SCREENSHOTS, 'demo.png'));
}

describe('the demo page in Chromium, every transport, with screenshots', { skip: noBrowser }, () => {
  let browser: Browser | undefined;
  let demo: RunningServices | undefined;
  let echo: SockJsEndpoint | undefined;

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    demo = await startDemo();
    echo = demo.endpoints.find((endpoint) => endpoint.prefix === '/echo');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  for (const transport of CLIENT_TRANSPORTS) {
    test(
      `${transport}: autoconnects, echoes what is typed, shows the transport; screenshot ${transport}.png`,
      { timeout: 30_000 },
      async () => {
        assert.ok(browser && demo && echo, 'setup failed');
        const endpoint = echo;
        const baseUrl = demo.baseUrl;
        const { context, page, problems } = await openPage(browser);
        try {
          await page.addInitScript(GENEROUS_CONNECT_TIMEOUT);
          await withPageReport(problems, async () => {
            try {
              await exerciseDemo(page, baseUrl, transport, endpoint);
            } catch (error) {
              if (error instanceof Error) error.message += `\n  the page shows ${await shown(page)}`;
              throw error;
            }
          });
        } finally {
          await context.close();
        }
      },
    );
  }
});
