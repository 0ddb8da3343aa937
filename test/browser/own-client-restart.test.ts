/**
 * Our client in Chromium when the server restarts: the browser bundle's SockJsSocket is open to our
 * server on a loopback port; the server goes away (a crash: every connection destroyed, no close
 * frame; or a shutdown: the endpoint's 1001 "Going away", then the connections destroyed) and comes
 * back on the same port, a new server with a new endpoint. The page's socket fires `reconnecting`,
 * fails at least once against the dead port, then `reconnected`, on the same transport and a new
 * session, flushes what was sent meanwhile and echoes again. test/client/own-client-reconnect.test.ts
 * does the same in Node; this is the browser's fetch, WebSocket and EventSource doing it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Browser } from 'playwright-core';
import { CLIENT_TRANSPORTS, type ClientTransportName } from '../../client';
import { createEndpoint, type TransportName } from '../../server';
import { Events } from '../support/events';
import { Resources } from '../support/resources';
import { listenTracked } from '../support/servers';
import { launchBrowser, noBrowser, openPage, withPageReport } from './browser';
import {
  bundleOwnClient,
  OWN_CLIENT_PAGE_PATH,
  pageSeen,
  serveOwnClientPage,
  waitForSeen,
  type PageGlobals,
} from './own-client-page';

/** Short delays, no jitter: the attempts against the dead port come quickly and in a known order. */
const FAST = { minReconnectDelay: 100, maxReconnectDelay: 400, reconnectJitter: 0 } as const;

/** Bound on each wait for the page's socket. */
const WAIT_MS = 15_000;

type StopKind = 'crash' | 'shutdown';

interface SessionSeen {
  id: string;
  transport: TransportName;
}

/** One life of the server: the page, the bundle and an /echo endpoint on `port` (0: a free one). */
async function startServer(code: string, port = 0) {
  const app = express();
  app.disable('x-powered-by');
  serveOwnClientPage(app, code);
  const server = createServer(app);
  const sessions = new Events<SessionSeen>();
  const endpoint = createEndpoint({
    prefix: '/echo',
    handler: {
      onOpen: (s) => sessions.push({ id: s.id, transport: s.transport }),
      onMessage: (s, m) => s.send(m),
    },
  });
  app.use(endpoint.prefix, endpoint.middleware);
  endpoint.attach(server);
  const listening = await listenTracked(server, { port });
  return {
    port: listening.port,
    origin: listening.baseUrl,
    sessions,
    async stop(kind: StopKind): Promise<void> {
      if (kind === 'crash') {
        await listening.close();
        await endpoint.close();
      } else {
        await endpoint.close();
        await listening.close();
      }
    },
  };
}

describe('SockJsSocket in Chromium: the server restarts on the same port', { skip: noBrowser }, () => {
  const resources = new Resources();
  let browser: Browser;
  let code = '';

  before(async () => {
    code = await bundleOwnClient();
    browser = resources.add(await launchBrowser(), (b) => b.close());
  });
  after(() => resources.closeAll());

  const cases: Array<{ transport: ClientTransportName; kind: StopKind }> = CLIENT_TRANSPORTS.flatMap((transport) => [
    { transport, kind: 'crash' as const },
    { transport, kind: 'shutdown' as const },
  ]);
  for (const { transport, kind } of cases) {
    test(`over ${transport}, after a ${kind}: reconnecting, reconnected on a new session, echoes again`, async () => {
      const first = await startServer(code);
      let firstStopped = false;
      resources.add(first, (s) => (firstStopped ? undefined : s.stop('crash')));
      const { context, page, problems } = await openPage(browser);
      try {
        await withPageReport(problems, async () => {
          await page.goto(first.origin + OWN_CLIENT_PAGE_PATH);
          await page.waitForFunction(() => (globalThis as unknown as PageGlobals).ready === true);
          await page.evaluate(
            ({ transport, options }) => {
              const g = globalThis as unknown as PageGlobals;
              const socket = new g.SockJsSocket(`${g.location.origin}/echo`, { transports: [transport], ...options });
              const lines: string[] = [];
              g.socket = socket;
              g.seen = lines;
              socket.addEventListener('open', (e) => lines.push(`open ${e.transport}`));
              socket.addEventListener('message', (e) => lines.push(`message ${e.data}`));
              socket.addEventListener('reconnecting', (e) => lines.push(`reconnecting ${e.attempt} ${e.code}`));
              socket.addEventListener('reconnected', (e) => lines.push(`reconnected ${e.attempt} ${e.transport}`));
              socket.addEventListener('close', (e) => lines.push(`close ${e.code}`));
              socket.addEventListener('open', () => socket.send('before'));
            },
            { transport, options: FAST },
          );
          await waitForSeen(page, /^message before$/, 'the first echo', WAIT_MS);
          const firstSession = await first.sessions.waitFor(() => true, 'the first session');
          assert.equal(firstSession.transport, transport);

          firstStopped = true;
          await first.stop(kind);
          await waitForSeen(page, /^reconnecting 1 /, 'the loss', WAIT_MS);
          // The server is down: the first attempt fails against the dead port, and another is scheduled.
          await waitForSeen(page, /^reconnecting 2 /, 'a failed attempt', WAIT_MS);
          await page.evaluate(() => (globalThis as unknown as PageGlobals).socket?.send('offline'));

          const second = await startServer(code, first.port);
          resources.add(second, (s) => s.stop('crash'));
          await waitForSeen(page, new RegExp(`^reconnected \\d+ ${transport}$`), 'the reconnect', WAIT_MS);
          await page.evaluate(() => (globalThis as unknown as PageGlobals).socket?.send('after'));
          await waitForSeen(page, /^message after$/, 'an echo from the new server', WAIT_MS);

          const lines = await pageSeen(page);
          const lost = lines.find((line) => line.startsWith('reconnecting 1 '));
          assert.equal(lost, `reconnecting 1 ${kind === 'crash' ? 1006 : 1001}`, 'why the connection was lost');
          assert.deepEqual(
            lines.filter(
              (line) => line.startsWith('message ') || line.startsWith('open ') || line.startsWith('close '),
            ),
            [`open ${transport}`, 'message before', 'message offline', 'message after'],
            'open once, the queued message flushed first, no close',
          );
          // Numbered 1, 2, … n; the reconnect is attempt n.
          const reconnectedAt = lines.findIndex((line) => line.startsWith('reconnected '));
          const attempts = lines
            .slice(0, reconnectedAt)
            .filter((line) => line.startsWith('reconnecting '))
            .map((line) => Number(line.split(' ')[1]));
          assert.deepEqual(
            attempts,
            attempts.map((_, i) => i + 1),
          );
          assert.equal(lines[reconnectedAt], `reconnected ${attempts.length} ${transport}`);
          const secondSession = await second.sessions.waitFor(() => true, 'a session on the new server');
          assert.equal(secondSession.transport, transport);
          assert.notEqual(secondSession.id, firstSession.id);
          assert.equal(second.sessions.items.length, 1, 'one session on the new server');
          const state = await page.evaluate(() => {
            const socket = (globalThis as unknown as PageGlobals).socket;
            return { readyState: socket?.readyState, transport: socket?.transport };
          });
          assert.deepEqual(state, { readyState: 1, transport });
          await page.evaluate(() => (globalThis as unknown as PageGlobals).socket?.close());
        });
      } finally {
        await context.close();
      }
    });
  }
});
