/**
 * The server behind a path prefix it knows nothing of, in headless Chromium: (1) a real nginx
 * with `location /app/ { proxy_pass http://127.0.0.1:<port>/; }`, which strips /app, and (2)
 * Express with `app.use('/mount', endpoint.middleware)`, which strips /mount. A page served
 * under the prefix loads sockjs-client and connects, forced to each iframe transport (the
 * endpoint's iframe page must load its script from under the prefix too) and to xhr-streaming
 * and xhr-polling; messages echo, both sides agree on the transport, and every request the page
 * and its iframe made went through the prefix and was answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { findNginx, startNginx, type NginxProcess } from '../../demo/proxy/nginx';
import { createEndpoint, type SockJsEndpoint, type SockJsHandler } from '../../server';
import {
  SERVER_TRANSPORT,
  launchBrowser,
  noBrowser,
  openPage,
  startHttpServer,
  withPageReport,
  type ClientTransport,
  type HttpServer,
} from './browser';
import { PageHarness, harnessPage } from './harness';

const TRANSPORTS = [
  'iframe-eventsource',
  'iframe-htmlfile',
  'iframe-xhr-polling',
  'xhr-streaming',
  'xhr-polling',
] as const satisfies readonly ClientTransport[];
const MESSAGES = ['hello', 'émoji 😀 and \u2028', '</script><script>parent.alert(1)</script>'];

const nginxBin = findNginx();
const noNginx = nginxBin ? false : 'nginx not installed at /usr/sbin/nginx (set NGINX=...; CI installs nginx-light)';

/** Says which transport the server sees, then echoes. */
const handler: SockJsHandler = {
  onOpen(session) {
    session.send(`welcome ${session.transport}`);
  },
  onMessage(session, message) {
    session.send(message);
  },
};

describe('sockjs-client in Chromium behind a path prefix the server does not know', { skip: noBrowser }, () => {
  let browser: Browser | undefined;
  let upstream: HttpServer | undefined;
  let nginx: NginxProcess | undefined;
  /** At /echo on the upstream, which nginx's /app/echo reaches. */
  let behindNginx: SockJsEndpoint | undefined;
  /** At /echo too, but mounted by Express under /mount. */
  let underMount: SockJsEndpoint | undefined;

  before(async () => {
    upstream = await startHttpServer();
    behindNginx = createEndpoint({ prefix: '/echo', handler });
    underMount = createEndpoint({ prefix: '/echo', handler });
    upstream.app.use(behindNginx.prefix, behindNginx.middleware);
    upstream.app.use('/mount', underMount.middleware);
    // One page for both: every URL in it is relative, so it works under either prefix. Its
    // script is the endpoint's own (the same file for both endpoints), with a query the endpoint
    // ignores: a URL of its own in the browser's cache, so the iframe's load of the script is a
    // request of its own too.
    const page = harnessPage({ clientScriptUrl: `.${behindNginx.clientScriptUrl}?for=page`, sockjsUrl: 'echo' });
    upstream.app.get(['/page.html', '/mount/page.html'], (_req, res) => {
      res.type('html').send(page);
    });
    if (nginxBin) nginx = await startNginx({ mode: 'strip-prefix', upstreamPort: upstream.port, bin: nginxBin });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await behindNginx?.close();
    await underMount?.close();
    await nginx?.stop();
    await upstream?.close();
  });

  interface Placement {
    name: string;
    skip: string | false;
    /** Where the page and the endpoint are, as the browser sees them: `<origin><prefix>`. */
    base: () => string;
    endpoint: () => SockJsEndpoint;
  }

  const placements: Placement[] = [
    {
      name: 'nginx: location /app/ { proxy_pass http://127.0.0.1:<port>/; }',
      skip: noNginx,
      base: () => `${running(nginx).url}/app`,
      endpoint: () => running(behindNginx),
    },
    {
      name: "Express: app.use('/mount', endpoint.middleware)",
      skip: false,
      base: () => `${running(upstream).origin}/mount`,
      endpoint: () => running(underMount),
    },
  ];

  for (const placement of placements) {
    describe(placement.name, { skip: placement.skip }, () => {
      for (const transport of TRANSPORTS) {
        test(
          `${transport}: opens, echoes, closes; everything loads from under the prefix`,
          { timeout: 45_000 },
          async () => {
            const base = placement.base();
            const origin = new URL(base).origin;
            const sessionsBefore = new Set(placement.endpoint().sessions.keys());
            const { context, page, problems } = await openPage(running(browser));
            const responses: Array<{ url: string; status: number; fromIframe: boolean }> = [];
            page.on('response', (response) => {
              responses.push({
                url: response.url(),
                status: response.status(),
                fromIframe: response.frame() !== page.mainFrame(),
              });
            });
            const harness = new PageHarness(page);
            try {
              await withPageReport(problems, async () => {
                await page.goto(`${base}/page.html`);
                await harness.open(transport, `${base}/echo`);
                const status = await harness.opened(transport);
                assert.equal(status.transportAtOpen, transport, 'sock.transport at open');
                await harness.received(1, `${transport}: the welcome`);
                assert.deepEqual(await harness.messages(0), [`welcome ${SERVER_TRANSPORT[transport]}`]);
                const created = [...placement.endpoint().sessions.keys()].filter((id) => !sessionsBefore.has(id));
                assert.equal(created.length, 1, 'one new session, on the endpoint under this prefix');

                await harness.send(MESSAGES);
                await harness.received(1 + MESSAGES.length, `${transport}: the echoes`);
                assert.deepEqual(await harness.messages(1), MESSAGES);
                await harness.close(3000, 'bye');
                assert.deepEqual(await harness.closed(`${transport}: the close`), {
                  code: 3000,
                  reason: 'bye',
                  wasClean: true,
                });

                // The page's requests and its iframe's: all under the prefix, all answered.
                const ours = responses.filter((r) => r.url.startsWith(origin) && !r.url.endsWith('/favicon.ico'));
                assert.deepEqual(
                  ours.filter((r) => !r.url.startsWith(`${base}/`)).map((r) => r.url),
                  [],
                  'requests outside the prefix',
                );
                assert.deepEqual(
                  ours.filter((r) => r.status >= 400).map((r) => `${r.status} ${r.url}`),
                  [],
                  'refused requests',
                );
                if (transport.startsWith('iframe-')) {
                  const fromIframe = ours.filter((r) => r.fromIframe);
                  const script = `${base}${placement.endpoint().clientScriptUrl}`;
                  assert.ok(
                    fromIframe.some((r) => r.url === script && r.status === 200),
                    `the iframe page loaded ${script}: ${JSON.stringify(fromIframe)}`,
                  );
                }
              });
            } finally {
              await context.close();
            }
          },
        );
      }
    });
  }
});

function running<T>(value: T | undefined): T {
  assert.ok(value !== undefined, 'setup failed');
  return value;
}
