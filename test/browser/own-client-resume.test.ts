/**
 * The resume extension (docs/resume.md) in Chromium: the browser bundle's SockJsSocket against our
 * server with `resumeWindow` on, the browser's own WebSocket, fetch streaming and EventSource
 * carrying it. test/client/own-client-resume.test.ts does the same in Node. Over each transport the
 * server cuts every TCP connection it has every CUT_EVERY messages (no close frame: a proxy or the
 * network dropping them); every message still arrives exactly once and in order, both ways, on one
 * server session, and the page sees only resumes. Then the browser itself goes offline and back
 * online mid-exchange (playwright's network emulation): the same, on the same session.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CLIENT_TRANSPORTS, type ClientTransportName } from '../../client';
import type { SockJsEndpoint, SockJsSession } from '../../server';
import { Events } from '../support/events';
import { Resources } from '../support/resources';
import { serveEndpoints } from '../support/servers';
import { launchBrowser, noBrowser, openPage, withPageReport } from './browser';
import {
  bundleOwnClient,
  OWN_CLIENT_PAGE_PATH,
  serveOwnClientPage,
  waitForSeen,
  type PageGlobals,
} from './own-client-page';

const MESSAGES = 1000;
/** The server cuts every connection each time this many more messages have arrived. */
const CUT_EVERY = 100;
/** Messages the page keeps in flight (sent, not yet echoed). */
const IN_FLIGHT = 25;
/** Long enough for any reattach here; a session that outlived it would show as a second `onOpen`. */
const RESUME_WINDOW_MS = 10_000;
/** Short reconnect delays, no jitter: reattaching after a cut is quick and in a known order. */
const FAST = { minReconnectDelay: 20, maxReconnectDelay: 100, reconnectJitter: 0 } as const;
/** Bound on the whole exchange of one test, and on each shorter wait. */
const EXCHANGE_MS = 60_000;
const WAIT_MS = 15_000;
/** The offline test goes offline once the page has received this many messages. */
const OFFLINE_AFTER = 400;
/**
 * Offline, Chromium's emulation fails every new request but leaves an open websocket stalled, not
 * closed: only the liveness check (heartbeatInterval × livenessMultiple, here 2 s; the server's
 * heartbeatDelay is 1 s) tells the page it is gone.
 */
const OFFLINE_OPTIONS = { ...FAST, heartbeatInterval: 1000 } as const;

interface CuttingServer {
  origin: string;
  endpoint: SockJsEndpoint;
  received: string[];
  opened: Events<SockJsSession>;
  closed: Events<number>;
  /** Cuts that found a receiving request or a websocket open, so that the client had something to lose. */
  cuts: number;
  /** Every connection destroyed, with no close frame: at once if a receiver is open, else when the next one is. */
  cutAll(): void;
}

/** The last path segment of a receiving request: the one that holds the server's frames. */
const RECEIVING = /\/(xhr|xhr_streaming|eventsource|websocket)(\?|$)/;

/** The page and an endpoint at /resume that echoes `e<n>` and pushes `p<n>` for each `m<n>`. */
async function cuttingServer(code: string, options: { cut: boolean }): Promise<CuttingServer> {
  const sockets = new Set<Socket>();
  const receivers = new Set<IncomingMessage>();
  /** A cut is due and waits for a receiver to be open. */
  let pending = false;
  /** Answers held back while a cut is pending, in order. */
  const held: Array<{ session: SockJsSession; reply: string }> = [];
  const received: string[] = [];
  const opened = new Events<SockJsSession>();
  const closed = new Events<number>();
  const listening = await serveEndpoints(
    [
      {
        prefix: '/resume',
        resumeWindow: RESUME_WINDOW_MS,
        heartbeatDelay: 1000,
        handler: {
          onOpen: (session) => opened.push(session),
          onMessage: (session, message) => {
            received.push(message);
            // Not after the last one: the test ends with the page's close, which should find a connection.
            const due = received.length % CUT_EVERY === 0 && received.length < MESSAGES;
            // Before the answers: a parked poll is still open, and this xhr_send is cut before its 204.
            if (options.cut && due) state.cutAll();
            const n = message.slice(1);
            for (const reply of [`e${n}`, `p${n}`]) {
              if (pending) held.push({ session, reply });
              else session.send(reply);
            }
          },
          onClose: (_session, info) => closed.push(info.code),
        },
      },
    ],
    (app, server) => {
      serveOwnClientPage(app, code);
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      // A poll is open only now and then: cut between polls, the browser would see nothing (and it
      // sends a request that failed on a reused connection again by itself), so a due cut waits for
      // one, holding the answers back meanwhile so that the next poll finds nothing and waits.
      const track = (req: IncomingMessage, done: Promise<unknown>): void => {
        if (!RECEIVING.test(req.url ?? '')) return;
        receivers.add(req);
        void done.finally(() => receivers.delete(req));
        if (pending) setImmediate(cutIfReceiving);
      };
      server.on('request', (req: IncomingMessage, res: ServerResponse) => track(req, once(res, 'close')));
      server.on('upgrade', (req: IncomingMessage, socket: Socket) => track(req, once(socket, 'close')));
    },
  );
  resources.add(listening, (l) => l.close());
  const state: CuttingServer = {
    origin: listening.baseUrl,
    endpoint: listening.endpoints[0] as SockJsEndpoint,
    received,
    opened,
    closed,
    cuts: 0,
    cutAll: () => {
      pending = true;
      cutIfReceiving();
    },
  };
  function cutIfReceiving(): void {
    if (!pending || receivers.size === 0) return;
    pending = false;
    state.cuts++;
    for (const socket of sockets) socket.destroy();
    // Queued on the session: the client gets them when it is back.
    for (const { session, reply } of held.splice(0)) session.send(reply);
  }
  return state;
}

/** What the page keeps: every message received, and one line per other event. */
interface PageRecord extends PageGlobals {
  received?: string[];
}

/**
 * Opens the page's socket on `transport` and starts sending m0…m(count−1), keeping IN_FLIGHT
 * unanswered; the page records what it receives in `received` and its events in `seen`
 * (`reconnecting <attempt> <code>`, `reconnected <attempt> <transport> <resumed>`, `close <code>`).
 */
async function startExchange(
  page: Page,
  origin: string,
  transport: ClientTransportName,
  count: number,
  options: object = FAST,
) {
  await page.goto(origin + OWN_CLIENT_PAGE_PATH);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).ready === true);
  await page.evaluate(
    ({ transport, count, inFlight, options }) => {
      const g = globalThis as unknown as PageRecord;
      const socket = new g.SockJsSocket(`${g.location.origin}/resume`, { transports: [transport], ...options });
      const received: string[] = [];
      const lines: string[] = [];
      g.socket = socket;
      g.received = received;
      g.seen = lines;
      let sent = 0;
      let echoed = 0;
      const top = (): void => {
        while (sent < count && sent - echoed < inFlight) socket.send(`m${sent++}`);
      };
      socket.addEventListener('open', (e) => {
        lines.push(`open ${e.transport}`);
        top();
      });
      socket.addEventListener('message', (e) => {
        const data = e.data ?? '';
        received.push(data);
        if (data.startsWith('e')) echoed++;
        top();
      });
      socket.addEventListener('reconnecting', (e) => lines.push(`reconnecting ${e.attempt} ${e.code}`));
      socket.addEventListener('reconnected', (e) =>
        lines.push(`reconnected ${e.attempt} ${e.transport} ${String(e.resumed)}`),
      );
      socket.addEventListener('close', (e) => lines.push(`close ${e.code}`));
    },
    { transport, count, inFlight: IN_FLIGHT, options },
  );
}

/** What the page has recorded so far. */
function pageRecord(page: Page): Promise<{ received: string[]; seen: string[]; readyState: number | undefined }> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageRecord;
    return { received: g.received ?? [], seen: g.seen ?? [], readyState: g.socket?.readyState };
  });
}

/** Waits, at most `ms`, until the page has received `count` messages; says how far it got if not. */
async function waitForReceived(page: Page, count: number, ms: number): Promise<void> {
  await page
    .waitForFunction((n) => ((globalThis as unknown as PageRecord).received ?? []).length >= n, count, {
      timeout: ms,
      polling: 50,
    })
    .catch(async (error: unknown) => {
      const record = await pageRecord(page);
      throw new Error(
        `${record.received.length} of ${count} messages in ${ms} ms; last events ${JSON.stringify(record.seen.slice(-10))}`,
        { cause: error },
      );
    });
}

/** Each of `prefix`0…(count−1) exactly once, in order. */
function assertSequence(items: readonly string[], prefix: string, count: number): void {
  const seen = items.filter((item) => item.startsWith(prefix)).map((item) => Number(item.slice(prefix.length)));
  const expected = Array.from({ length: count }, (_, i) => i);
  const firstWrong = seen.findIndex((value, index) => value !== index);
  assert.deepEqual(seen, expected, `${prefix}: ${seen.length} of ${count}, first wrong at ${firstWrong}`);
}

/** Both ways complete, one server session never closed, every reconnect a resume; returns the resumes. */
function assertNothingLost(server: CuttingServer, record: { received: string[]; seen: string[] }): number {
  assertSequence(server.received, 'm', MESSAGES);
  assertSequence(record.received, 'e', MESSAGES);
  assertSequence(record.received, 'p', MESSAGES);
  assert.equal(record.received.length, 2 * MESSAGES, 'nothing but the echoes and pushes');
  assert.equal(server.opened.items.length, 1, 'one server session');
  assert.deepEqual(server.closed.items, [], 'never closed meanwhile');
  const reconnected = record.seen.filter((line) => line.startsWith('reconnected '));
  assert.deepEqual(
    reconnected.filter((line) => !line.endsWith(' true')),
    [],
    'every reconnect a resume',
  );
  assert.equal(record.seen.filter((line) => line.startsWith('open ')).length, 1, 'one open');
  assert.ok(!record.seen.some((line) => line.startsWith('close ')), 'no close');
  return reconnected.length;
}

/**
 * No request answered with an error status: a cut is a lost connection, never a refusal (a batch
 * refused with 400 would be a spurious loss, which resume would hide).
 */
function assertNothingRefused(problems: readonly string[]): void {
  assert.deepEqual(
    problems.filter((problem) => problem.startsWith('HTTP ')),
    [],
    'no request refused',
  );
}

/** The page closes its socket; the server's session ends (over HTTP, by the client's posted close). */
async function closeAndWait(page: Page, server: CuttingServer): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as PageGlobals).socket?.close());
  await server.closed.waitForCount(1, 'the session closed', WAIT_MS);
}

const resources = new Resources();

describe('SockJsSocket in Chromium with resume: connections cut over and over', { skip: noBrowser }, () => {
  let browser: Browser;
  let code = '';

  before(async () => {
    code = await bundleOwnClient();
    browser = resources.add(await launchBrowser(), (b) => b.close());
  });
  after(() => resources.closeAll());

  for (const transport of CLIENT_TRANSPORTS) {
    test(
      `over ${transport}: ${MESSAGES} messages each way, exactly once, in order, one server session`,
      { timeout: EXCHANGE_MS + 2 * WAIT_MS },
      async () => {
        const server = await cuttingServer(code, { cut: true });
        const { context, page, problems } = await openPage(browser);
        try {
          await withPageReport(problems, async () => {
            await startExchange(page, server.origin, transport, MESSAGES);
            await waitForReceived(page, 2 * MESSAGES, EXCHANGE_MS);
            const record = await pageRecord(page);
            const resumes = assertNothingLost(server, record);
            assertNothingRefused(problems);
            const serverResumes = server.endpoint.stats().resumes;
            process.stdout.write(`# ${transport}: ${server.cuts} cuts, ${resumes} resumed, ${serverResumes} resumes\n`);
            assert.ok(server.cuts >= MESSAGES / CUT_EVERY - 1, `${server.cuts} cuts`);
            assert.ok(
              serverResumes >= server.cuts / 2,
              `the server saw ${serverResumes} resumes for ${server.cuts} cuts`,
            );
            // An eventsource cut after it carried frames is reopened silently, as at the response limit.
            if (transport !== 'eventsource')
              assert.ok(resumes >= server.cuts / 2, `${resumes} resumed for ${server.cuts} cuts`);
            assert.equal(record.readyState, 1);
            assert.equal(server.opened.items[0]?.transport, transport);
            await closeAndWait(page, server);
          });
        } finally {
          await context.close();
        }
      },
    );
  }

  for (const transport of CLIENT_TRANSPORTS) {
    test(
      `over ${transport}: the browser goes offline and back online mid-exchange: nothing lost, same session`,
      { timeout: EXCHANGE_MS + 4 * WAIT_MS },
      async () => {
        const server = await cuttingServer(code, { cut: false });
        const { context, page, problems } = await openPage(browser);
        try {
          await withPageReport(problems, async () => {
            await startExchange(page, server.origin, transport, MESSAGES, OFFLINE_OPTIONS);
            await waitForReceived(page, OFFLINE_AFTER, WAIT_MS);
            await context.setOffline(true);
            // The page notices: the connection is lost, and an attempt made offline fails too.
            await waitForSeen(page, /^reconnecting 2 /, 'a failed attempt while offline', WAIT_MS);
            await context.setOffline(false);
            await waitForSeen(page, /^reconnected \d+ \S+ true$/, 'the resume once online', WAIT_MS);
            await waitForReceived(page, 2 * MESSAGES, EXCHANGE_MS);
            const record = await pageRecord(page);
            assertNothingLost(server, record);
            assertNothingRefused(problems);
            assert.equal(record.readyState, 1);
            await closeAndWait(page, server);
          });
        } finally {
          await context.close();
        }
      },
    );
  }
});
