/**
 * Our client in a Chromium page, as an app loads it: the ES module scripts/browser-bundle.mjs
 * builds (here built the same way, in memory, from client/socket.ts, so that it is client/ as it is
 * now), imported by a page on the server's origin, which puts `SockJsSocket` on `globalThis`.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Express } from 'express';
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
