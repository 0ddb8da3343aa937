/**
 * Our client in Chromium, as an app loads it (./own-client-page.ts), with the browser's own fetch
 * streaming, WebSocket and EventSource. Each transport echoes 200
 * messages; a real `online` event starts a pending reconnect at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Browser } from 'playwright-core';
import { CLIENT_TRANSPORTS } from '../../client';
import { createEndpoint, type SockJsSession } from '../../server';
import { assertSameMessages } from '../support/messages';
import { Resources } from '../support/resources';
import { launchBrowser, noBrowser, openPage, startHttpServer, testMessages, withPageReport } from './browser';
import { bundleOwnClient, echoInPage, serveOwnClientPage, type PageGlobals } from './own-client-page';

const MESSAGES = testMessages(200);

describe('SockJsSocket in Chromium', { skip: noBrowser }, () => {
  const resources = new Resources();
  const sessions: SockJsSession[] = [];
  let browser: Browser;
  let origin = '';

  before(async () => {
    const app = express();
    serveOwnClientPage(app, await bundleOwnClient());
    const endpoint = createEndpoint({
      prefix: '/echo',
      handler: { onOpen: (s) => void sessions.push(s), onMessage: (s, m) => void s.send(m) },
    });
    app.use(endpoint.prefix, endpoint.middleware);
    const http = resources.add(await startHttpServer(app), (s) => s.close());
    resources.add(endpoint, (e) => e.close());
    endpoint.attach(http.server);
    origin = http.origin;
    browser = resources.add(await launchBrowser(), (b) => b.close());
  });
  after(() => resources.closeAll());

  for (const transport of CLIENT_TRANSPORTS) {
    test(
      `over ${transport}: opens on it and echoes ${MESSAGES.length} messages exactly and in order`,
      { timeout: 45_000 },
      async () => {
        const { context, page, problems } = await openPage(browser);
        try {
          await withPageReport(problems, async () => {
            await page.goto(`${origin}/page.html`);
            await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
            const result = await echoInPage(page, `${origin}/echo`, transport, MESSAGES);
            assert.equal(result.transport, transport);
            assertSameMessages(result.echoed, MESSAGES, `echoes over ${transport} in Chromium`);
            assert.equal(sessions.at(-1)?.transport, transport, 'the server session is on that transport');
          });
        } finally {
          await context.close();
        }
      },
    );
  }

  test("the window's `online` event starts a pending reconnect at once", { timeout: 45_000 }, async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await withPageReport(problems, async () => {
        await page.goto(`${origin}/page.html`);
        await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
        const before = sessions.length;
        // Open, recording every event in the page; a reconnect will be a minute away.
        await page.evaluate(
          () =>
            new Promise<void>((resolve) => {
              const g = globalThis as unknown as PageGlobals;
              const options = { minReconnectDelay: 60_000, maxReconnectDelay: 60_000, reconnectJitter: 0 };
              const socket = new g.SockJsSocket(`${g.location.origin}/echo`, options);
              g.socket = socket;
              g.seen = [];
              for (const type of ['reconnecting', 'reconnected']) {
                socket.addEventListener(type, (event) =>
                  g.seen?.push(`${type} ${event.delay ?? event.transport ?? ''}`),
                );
              }
              socket.addEventListener('open', () => resolve());
            }),
        );
        // The server ends the session with 1011 (transient): the client schedules that reconnect.
        sessions.at(-1)?.close(1011, 'Server error');
        await page.waitForFunction(() => (globalThis as unknown as PageGlobals).seen?.length === 1);
        await page.evaluate(() => {
          const g = globalThis as unknown as PageGlobals;
          g.dispatchEvent(new g.Event('online'));
        });
        await page.waitForFunction(() => (globalThis as unknown as PageGlobals).seen?.length === 2, undefined, {
          timeout: 5000,
        });
        const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).seen);
        assert.deepEqual(seen, ['reconnecting 60000', 'reconnected websocket']);
        assert.equal(sessions.length, before + 2, 'a second session');
        await page.evaluate(() => (globalThis as unknown as PageGlobals).socket?.close());
      });
    } finally {
      await context.close();
    }
  });
});
