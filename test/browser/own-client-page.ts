/**
 * Our client in a Chromium page, as an app loads it: the ES module scripts/browser-bundle.mjs
 * builds (here built the same way, in memory, from client/socket.ts, so that it is client/ as it is
 * now), imported by a page on the server's origin, which puts `SockJsSocket` on `globalThis`.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Express } from 'express';
import type { Page } from 'playwright-core';
import type { ClientTransportName } from '../../client';
import { REPO_ROOT } from './browser';

/** The page's path, on the app `serveOwnClientPage` is given. */
export const OWN_CLIENT_PAGE_PATH = '/page.html';

const PAGE = `<!doctype html><meta charset="utf-8"><title>own client</title>
<script type="module">
import { SockJsSocket } from './own-client.mjs';
globalThis.SockJsSocket = SockJsSocket;
globalThis.ready = true;
</script>`;

/** client/socket.ts bundled as scripts/browser-bundle.mjs bundles it. */
export async function bundleOwnClient(): Promise<string> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'client', 'socket.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return (result.outputFiles[0] as { text: string }).text;
}

/** The page at OWN_CLIENT_PAGE_PATH and the bundle `code` beside it. */
export function serveOwnClientPage(app: Express, code: string): void {
  app.get(OWN_CLIENT_PAGE_PATH, (_req, res) => res.type('html').send(PAGE));
  app.get('/own-client.mjs', (_req, res) => res.type('text/javascript').send(code));
}

/** The event the page callbacks see: the project has no DOM types, so the page's globals are typed here. */
export interface PageSocketEvent {
  data?: string;
  transport?: string;
  delay?: number;
  attempt?: number;
  code?: number;
  reason?: string;
  /** On `reconnected`: true when the same server session was taken up again (resume). */
  resumed?: boolean;
}

export interface PageSocket {
  readonly transport: string | null;
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: string, listener: (event: PageSocketEvent) => void): void;
}

export interface PageGlobals {
  SockJsSocket: new (url: string, options: object) => PageSocket;
  ready?: boolean;
  socket?: PageSocket;
  seen?: string[];
  dispatchEvent(event: unknown): void;
  Event: new (type: string) => unknown;
  location: { origin: string };
}

/** What the page's socket reported so far, one line per event (`open websocket`, `reconnecting 1 1006`…). */
export function pageSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).seen ?? []);
}

/** Waits, at most `ms`, for a line of the page's `seen` matching `pattern`; says what was seen if none came. */
export async function waitForSeen(page: Page, pattern: RegExp, what: string, ms: number): Promise<void> {
  await page
    .waitForFunction(
      ({ source, flags }) =>
        ((globalThis as unknown as PageGlobals).seen ?? []).some((line) => new RegExp(source, flags).test(line)),
      { source: pattern.source, flags: pattern.flags },
      { timeout: ms, polling: 50 },
    )
    .catch(async (error: unknown) => {
      throw new Error(`${what}: no ${String(pattern)} in ${ms} ms; seen ${JSON.stringify(await pageSeen(page))}`, {
        cause: error,
      });
    });
}

/**
 * In the page: a socket to `url` on `transport` alone (no reconnect) sends `messages` once open and
 * resolves with every echo, then closes.
 */
export function echoInPage(
  page: Page,
  url: string,
  transport: ClientTransportName,
  messages: string[],
): Promise<{ transport: string | null; echoed: string[] }> {
  return page.evaluate(
    (args: { url: string; transport: ClientTransportName; messages: string[] }) =>
      new Promise<{ transport: string | null; echoed: string[] }>((resolve) => {
        const g = globalThis as unknown as PageGlobals;
        const socket = new g.SockJsSocket(args.url, { transports: [args.transport], reconnect: false });
        const echoed: string[] = [];
        socket.addEventListener('open', () => args.messages.forEach((m) => socket.send(m)));
        socket.addEventListener('message', (event) => {
          echoed.push(event.data as string);
          if (echoed.length === args.messages.length) {
            resolve({ transport: socket.transport, echoed });
            socket.close();
          }
        });
      }),
    { url, transport, messages },
  );
}
