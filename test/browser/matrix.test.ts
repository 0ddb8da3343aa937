/**
 * Every sockjs-client fallback, forced one at a time, in headless Chromium against this server:
 * 200 messages of 0 B to 16 KiB (astral emoji, U+2028, quotes, backslashes, `</script>`, control
 * characters) echo back exactly and in order, server pushes arrive, and a close with an
 * application code is seen by both sides. The whole matrix runs twice: the page on the SockJS
 * server's own origin, and the page on another origin (another server, another host name) that
 * loads sockjs-client from the endpoint's `clientScriptUrl` and connects cross-origin, with
 * `allowedOrigins` listing exactly that origin: CORS, the iframe page and its CSP for real.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import {
  createEndpoint,
  ReadyState,
  type CloseInfo,
  type SockJsEndpoint,
  type SockJsHandler,
  type SockJsSession,
} from '../../server';
import { Deferred } from '../support/deferred';
import { assertSameMessages } from '../support/messages';
import { withTimeout } from '../support/wait';
import {
  CLIENT_TRANSPORTS,
  SERVER_TRANSPORT,
  noBrowser,
  openPage,
  testMessages,
  withPageReport,
  type ClientTransport,
} from './browser';
import { PageHarness } from './harness';
import { useBrowserRig, type Placement } from './rig';

const PREFIX = '/matrix';
const QUICK_PREFIX = '/matrix-quick';
const PUSHES = 20;
const MESSAGES = testMessages(200);

/** What the server saw of one browser session, found by the token the page sends first. */
interface Observed {
  session: SockJsSession;
  closed: Deferred<CloseInfo>;
}

/**
 * The test service. On open it pushes `open`; then, by message:
 * `#hello <token>` registers the session and answers `welcome <token> <server transport>`;
 * `#push <n>` pushes `push i/n` for i = 1..n, each in its own turn of the event loop;
 * `#close-me <code>` closes the session with that code and "bye"; anything else is echoed.
 */
function matrixHandler(observed: Map<string, Observed>): SockJsHandler {
  return {
    onOpen(session) {
      session.send('open');
    },
    async onMessage(session, message) {
      const [command, argument = ''] = message.split(' ', 2);
      switch (command) {
        case '#hello':
          session.attributes.set('token', argument);
          observed.set(argument, { session, closed: new Deferred<CloseInfo>() });
          session.send(`welcome ${argument} ${session.transport}`);
          return;
        case '#push':
          for (let i = 1; i <= Number(argument); i++) {
            if (session.readyState !== ReadyState.OPEN) return;
            session.send(`push ${i}/${argument}`);
            await new Promise((resolve) => setImmediate(resolve));
          }
          return;
        case '#close-me':
          session.close(Number(argument), 'bye');
          return;
        default:
          session.send(message);
      }
    },
    onClose(session, info) {
      const token = session.attributes.get('token');
      if (typeof token === 'string') observed.get(token)?.closed.resolve(info);
    },
  };
}

/**
 * What the server reports when the page closes a connection itself. sockjs-client closes its
 * WebSocket without a status code (1005) and aborts the HTTP receivers it can abort (1002); a
 * JSONP script cannot be aborted, so the server notices only once the pending poll has ended
 * (its heartbeat) and none came back (`disconnectDelay`): 1006.
 */
const CLOSED_BY_PAGE: Readonly<Record<ClientTransport, CloseInfo>> = {
  websocket: { code: 1005, reason: '' },
  'xhr-streaming': { code: 1002, reason: 'Connection interrupted' },
  'xhr-polling': { code: 1002, reason: 'Connection interrupted' },
  eventsource: { code: 1002, reason: 'Connection interrupted' },
  'iframe-eventsource': { code: 1002, reason: 'Connection interrupted' },
  'iframe-htmlfile': { code: 1002, reason: 'Connection interrupted' },
  'iframe-xhr-polling': { code: 1002, reason: 'Connection interrupted' },
  'jsonp-polling': { code: 1006, reason: 'Connection lost' },
};

describe('sockjs-client in Chromium: every transport, forced', { skip: noBrowser }, () => {
  const observed = new Map<string, Observed>();
  /** Every response of the SockJS server: `<status> <method> <path> <Origin>`. */
  const served: string[] = [];
  const handler = matrixHandler(observed);
  const rig = useBrowserRig({
    pagePath: '/matrix.html',
    prepare(sockjsServer) {
      sockjsServer.app.use((req, res, next) => {
        const path = req.originalUrl.split('?')[0] ?? '';
        res.on('finish', () => served.push(`${res.statusCode} ${req.method} ${path} ${req.headers.origin ?? '-'}`));
        next();
      });
    },
    endpoints: (otherOrigin) => [
      // The endpoint of the matrix, with default delays.
      createEndpoint({ prefix: PREFIX, handler, allowedOrigins: [otherOrigin] }),
      // The same service with short heartbeat and disconnect delays, for closes the server must
      // detect: short enough for the JSONP case to finish in seconds, long enough that a poll does not miss it.
      createEndpoint({
        prefix: QUICK_PREFIX,
        handler,
        allowedOrigins: [otherOrigin],
        heartbeatDelay: 1000,
        disconnectDelay: 2000,
      }),
    ],
  });
  /** The endpoint of the matrix (not the quick one). */
  const matrixEndpoint = (): SockJsEndpoint => rig().endpoints[0] as SockJsEndpoint;

  interface Opened {
    context: BrowserContext;
    problems: string[];
    harness: PageHarness;
    seen: Observed;
    what: string;
  }

  /**
   * Opens the page, then a session forced to `transport` on `prefix`, says hello, and checks that
   * both sides agree on the transport and that the page really is where `placement` says.
   */
  async function openForced(placement: Placement, transport: ClientTransport, prefix: string): Promise<Opened> {
    const { context, page, problems } = await openPage(rig().browser);
    const harness = new PageHarness(page);
    const token = randomUUID();
    const what = `${placement} ${transport}`;
    const url = placement === 'same-origin' ? prefix : rig().sockjsServer.origin + prefix;
    try {
      const seen = await withPageReport(problems, async () => {
        await page.goto(rig().pages[placement]);
        await harness.open(transport, url);
        const status = await harness.opened(what);
        assert.equal(status.transportAtOpen, transport, 'sock.transport at open');
        assert.equal(status.transport, transport, 'sock.transport while open');
        assert.equal(
          status.origin,
          placement === 'same-origin' ? rig().sockjsServer.origin : rig().otherOrigin,
          'the page origin',
        );

        await harness.send([`#hello ${token}`]);
        await harness.received(2, `${what}: the open push and the welcome`);
        assert.deepEqual(await harness.messages(0), ['open', `welcome ${token} ${SERVER_TRANSPORT[transport]}`]);

        const registered = observed.get(token);
        assert.ok(registered, 'the server registered the session');
        const { session } = registered;
        assert.equal(session.transport, SERVER_TRANSPORT[transport], 'the server-side transport');
        assert.equal(session.readyState, ReadyState.OPEN);
        if (placement === 'cross-origin') {
          const origin = session.headers.origin;
          if (transport.startsWith('iframe-')) {
            // The iframe is on the SockJS server's origin: its requests are not the page's.
            assert.notEqual(origin, rig().otherOrigin, 'iframe transports send from the iframe');
          } else if (transport === 'jsonp-polling') {
            // A plain <script> GET: no CORS, no Origin.
            assert.equal(origin, undefined, 'no Origin on a JSONP poll');
          } else {
            // WebSocket, XHR and EventSource requests carry the page's origin: CORS for real.
            assert.equal(origin, rig().otherOrigin, 'the Origin of the first request');
          }
        }
        return registered;
      });
      return { context, problems, harness, seen, what };
    } catch (error) {
      await context.close();
      throw error;
    }
  }

  for (const placement of ['same-origin', 'cross-origin'] as const) {
    describe(placement, () => {
      for (const transport of CLIENT_TRANSPORTS) {
        test(
          `${transport}: 200 mixed messages echo exactly and in order, ${PUSHES} pushes arrive, the server's close 4001 "bye" reaches the page`,
          { timeout: 45_000 },
          async () => {
            const { context, problems, harness, seen, what } = await openForced(placement, transport, PREFIX);
            try {
              await withPageReport(problems, async () => {
                // 200 messages, all sent at once (sockjs-client batches what queues up).
                await harness.send(MESSAGES);
                await harness.received(2 + MESSAGES.length, `${what}: ${MESSAGES.length} echoes`);
                assertSameMessages(await harness.messages(2), MESSAGES, `${what}: the echoes`);

                // Pushes the client did not ask for one by one.
                await harness.send([`#push ${PUSHES}`]);
                await harness.received(2 + MESSAGES.length + PUSHES, `${what}: ${PUSHES} pushes`);
                const pushes = Array.from({ length: PUSHES }, (_, i) => `push ${i + 1}/${PUSHES}`);
                assertSameMessages(await harness.messages(2 + MESSAGES.length), pushes, `${what}: the pushes`);

                // The server closes on request; both sides see the code.
                await harness.send(['#close-me 4001']);
                const closed = await harness.closed(`${what}: the server's close`);
                assert.deepEqual(closed, { code: 4001, reason: 'bye', wasClean: true });
                const serverSide = await withTimeout(seen.closed.promise, `${what}: the server's onClose`, 5000);
                assert.deepEqual(serverSide, { code: 4001, reason: 'bye' });
                const after = await harness.status();
                assert.equal(after.readyState, 3);
                assert.equal(after.received, 2 + MESSAGES.length + PUSHES, 'nothing after the pushes');
              });
            } finally {
              await context.close();
            }
          },
        );
      }

      for (const transport of CLIENT_TRANSPORTS) {
        const expected = CLOSED_BY_PAGE[transport];
        test(
          `${transport}: the page's close (3002 "client bye") is seen by the server (${expected.code})`,
          { timeout: 30_000 },
          async () => {
            const { context, problems, harness, seen, what } = await openForced(placement, transport, QUICK_PREFIX);
            try {
              await withPageReport(problems, async () => {
                await harness.close(3002, 'client bye');
                const closed = await harness.closed(`${what}: the page's close`);
                assert.deepEqual(closed, { code: 3002, reason: 'client bye', wasClean: true });
                const serverSide = await withTimeout(seen.closed.promise, `${what}: the server's onClose`, 10_000);
                assert.deepEqual(serverSide, expected);
                // CLOSING while an HTTP session's id lingers for its close frame, then CLOSED.
                assert.ok(
                  seen.session.readyState >= ReadyState.CLOSING,
                  `readyState ${seen.session.readyState} after onClose`,
                );
                assert.equal(seen.session.send('too late'), false);
              });
            } finally {
              await context.close();
            }
          },
        );
      }
    });
  }

  test(
    'a page on an origin not in allowedOrigins cannot connect (xhr-streaming, websocket)',
    { timeout: 30_000 },
    async () => {
      for (const transport of ['xhr-streaming', 'websocket'] as const) {
        const { context, page, problems } = await openPage(rig().browser);
        const harness = new PageHarness(page);
        const sessionsBefore = new Set(matrixEndpoint().sessions.keys());
        const servedBefore = served.length;
        try {
          await withPageReport(problems, async () => {
            await page.goto(rig().pages.refused);
            await harness.open(transport);
            const closed = await harness.closed(`refused ${transport}`);
            const status = await harness.status();
            assert.equal(status.opened, false, 'never opened');
            assert.deepEqual(closed, { code: 1002, reason: 'Cannot connect to server', wasClean: false });
            const created = [...matrixEndpoint().sessions.keys()].filter((id) => !sessionsBefore.has(id));
            assert.deepEqual(created, [], 'no session on the server');
            // Everything the page asked of the endpoint with its Origin: /info, refused.
            const refusedOrigin = new URL(rig().pages.refused).origin;
            const requests = served.slice(servedBefore).filter((line) => line.endsWith(` ${refusedOrigin}`));
            assert.deepEqual(
              requests,
              [`403 GET ${PREFIX}/info ${refusedOrigin}`],
              'the server refused /info, and saw nothing else',
            );
          });
        } finally {
          await context.close();
        }
      }
    },
  );
});
