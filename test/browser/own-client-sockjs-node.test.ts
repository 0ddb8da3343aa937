/**
 * Our client in Chromium against the reference server, sockjs-node 0.3.24 (the standard protocol,
 * no resume offered): each transport echoes messages exactly and in order, across origins (the page
 * is served from another port, as an app's page would be).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Browser } from 'playwright-core';
import { CLIENT_TRANSPORTS } from '../../client';
import { assertSameMessages } from '../support/messages';
import { startReferenceServer } from '../support/reference-server';
import { Resources } from '../support/resources';
import { launchBrowser, noBrowser, openPage, startHttpServer, testMessages, withPageReport } from './browser';
import { bundleOwnClient, echoInPage, serveOwnClientPage } from './own-client-page';

const MESSAGES = testMessages(100);

describe('SockJsSocket in Chromium against sockjs-node 0.3.24', { skip: noBrowser }, () => {
  const resources = new Resources();
  let browser: Browser;
  let origin = '';
  let sockjsNode = '';

  before(async () => {
    const app = express();
    serveOwnClientPage(app, await bundleOwnClient());
    origin = resources.add(await startHttpServer(app), (s) => s.close()).origin;
    sockjsNode = resources.add(await startReferenceServer(), (s) => s.close()).baseUrl;
    browser = resources.add(await launchBrowser(), (b) => b.close());
  });
  after(() => resources.closeAll());

  for (const transport of CLIENT_TRANSPORTS) {
    test(
      `over ${transport}: echoes ${MESSAGES.length} messages exactly and in order`,
      { timeout: 45_000 },
      async () => {
        const { context, page, problems } = await openPage(browser);
        try {
          await withPageReport(problems, async () => {
            await page.goto(`${origin}/page.html`);
            await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
            const result = await echoInPage(page, `${sockjsNode}/echo`, transport, MESSAGES);
            assert.equal(result.transport, transport);
            assertSameMessages(result.echoed, MESSAGES, `echoes over ${transport} from sockjs-node in Chromium`);
          });
        } finally {
          await context.close();
        }
      },
    );
  }
});
