/**
 * A browser without WebSocket: `window.WebSocket` and `window.MozWebSocket` are deleted before
 * sockjs-client loads, and the page names no transport. sockjs-client must pick a streaming
 * fallback by itself (xhr-streaming, in Chromium) and carry the whole conversation over it,
 * from the server's own origin and from another one.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEndpoint, ReadyState, type SockJsSession } from '../../server';
import { assertSameMessages } from '../support/messages';
import { noBrowser, openPage, testMessages, withPageReport } from './browser';
import { PageHarness } from './harness';
import { useBrowserRig } from './rig';

const PREFIX = '/legacy';
const MESSAGES = testMessages(200);

describe('sockjs-client in Chromium without WebSocket', { skip: noBrowser }, () => {
  const opened: SockJsSession[] = [];
  let upgrades = 0;
  const rig = useBrowserRig({
    pagePath: '/legacy.html',
    withoutWebSocket: true,
    prepare(sockjsServer) {
      sockjsServer.server.on('upgrade', () => upgrades++);
    },
    endpoints: (otherOrigin) => [
      createEndpoint({
        prefix: PREFIX,
        allowedOrigins: [otherOrigin],
        handler: {
          onOpen: (session) => void opened.push(session),
          onMessage: (session, message) => void session.send(message),
        },
      }),
    ],
  });

  for (const placement of ['same-origin', 'cross-origin'] as const) {
    test(
      `${placement}: with no transports option, sockjs-client falls back to xhr-streaming by itself and echoes 200 messages`,
      { timeout: 45_000 },
      async () => {
        const { context, page, problems } = await openPage(rig().browser);
        const harness = new PageHarness(page);
        const openedBefore = opened.length;
        const upgradesBefore = upgrades;
        try {
          await withPageReport(problems, async () => {
            await page.goto(rig().pages[placement]);
            assert.equal((await harness.status()).webSocketType, 'undefined', 'the page has no WebSocket');
            await harness.open(null);
            const status = await harness.opened(`${placement} without WebSocket`);
            assert.equal(status.transportAtOpen, 'xhr-streaming');
            assert.equal(status.transport, 'xhr-streaming');

            assert.equal(opened.length, openedBefore + 1, 'one session opened on the server');
            const session = opened.at(-1);
            assert.equal(session?.transport, 'xhr-streaming');
            assert.equal(session?.readyState, ReadyState.OPEN);
            assert.equal(upgrades, upgradesBefore, 'no websocket upgrade was even tried');

            await harness.send(MESSAGES);
            await harness.received(MESSAGES.length, `${placement}: ${MESSAGES.length} echoes over the fallback`);
            assertSameMessages(await harness.messages(0), MESSAGES, 'the echoes');
            assert.equal((await harness.status()).transport, 'xhr-streaming', 'still on xhr-streaming');

            await harness.close(1000, 'done');
            assert.deepEqual(await harness.closed('the close'), { code: 1000, reason: 'done', wasClean: true });
          });
        } finally {
          await context.close();
        }
      },
    );
  }
});
