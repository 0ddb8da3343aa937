/**
 * Shared pieces of the browser tests: one headless Chromium per test file (Debian's, never a
 * downloaded one), plain HTTP servers on 127.0.0.1:0 that destroy their connections on close,
 * and the messages they send. No fixed sleeps: every wait is for an event or a
 * condition, with a deadline.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import express, { type Express } from 'express';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CLIENT_TRANSPORTS } from '../../cli/page';
import type { TransportName } from '../../server';
import { MIXED_UNIT, sized } from '../support/messages';
import { listenTracked } from '../support/servers';

/** Debian's Chromium; `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or false. Tests pass it as `skip`. */
export const noBrowser: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The repository root, from `<outDir>/test/browser/`. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export type ClientTransport = (typeof CLIENT_TRANSPORTS)[number];
export { CLIENT_TRANSPORTS };

/** The server-side session transport each sockjs-client transport ends up on. */
export const SERVER_TRANSPORT: Readonly<Record<ClientTransport, TransportName>> = {
  websocket: 'websocket',
  'xhr-streaming': 'xhr-streaming',
  'xhr-polling': 'xhr-polling',
  eventsource: 'eventsource',
  'iframe-eventsource': 'eventsource',
  'iframe-htmlfile': 'htmlfile',
  'iframe-xhr-polling': 'xhr-polling',
  'jsonp-polling': 'jsonp-polling',
};

// ---------------------------------------------------------------------------------------------
// Servers

export interface HttpServer {
  readonly app: Express;
  readonly server: Server;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  close(): Promise<void>;
}

/** An Express app on 127.0.0.1:0; `close()` destroys every connection it accepted. */
export async function startHttpServer(app: Express = express()): Promise<HttpServer> {
  app.disable('x-powered-by');
  const { server, port, baseUrl, close } = await listenTracked(createServer(app));
  return { app, server, port, origin: baseUrl, close };
}

/** Text for a `<script>` block: JSON that cannot end the element early. */
export function scriptLiteral(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// ---------------------------------------------------------------------------------------------
// Pages

/** A fresh context and page; everything the page logs as an error is kept for failure messages. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Failed loads are reported below with their URL.
    if (message.text().startsWith('Failed to load resource')) return;
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() < 400 || response.url().endsWith('/favicon.ico')) return;
    problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    // Aborted long polls and streams are how sockjs-client closes; not a problem.
    if (failure !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${request.method()} ${request.url()} ${failure}`);
  });
  return { context, page, problems };
}

/** Runs `fn`, adding what the page reported to the message of any failure. */
export async function withPageReport<T>(problems: readonly string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Error && problems.length > 0) {
      error.message += `\n  page reported:\n    ${problems.slice(0, 20).join('\n    ')}`;
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

/** Messages the browser can hand over CDP unchanged: no lone surrogates. */
const SPECIALS = [
  '',
  ' ',
  'plain ascii',
  '"double" and \'single\' quotes',
  'back\\slash \\\\ and \\u0041 (not an escape) and \\n',
  'emoji 😀🎉👩‍👩‍👧 and astral 𝕏 𐍈 🀄',
  'line separator \u2028 paragraph separator \u2029',
  '</script><script>parent.alert(1)</script>',
  '<!-- <script> --> ]]> &amp; &#x27;',
  'control \u0000\u0001\u0008\t\n\u000b\f\r\u001b\u001f\u007f\u0085',
  '\r\n',
  '\n',
  'specials \ufff0 \ufff9 \ufffc \ufffd \ufffe \uffff',
  'zero-width \u200b\u200c\u200d\u200e\u200f and bidi \u202a\u202e\u2066\u2069, BOM \ufeff',
  'combining e\u0301 \u0300\u0333 greek \u0387 hebrew \u0591',
  'CJK 中文 日本語 한국어 and RTL עברית العربية',
  'a["frame-like"]',
  'c[3000,"Go away!"]',
  'o',
  'h',
  '[]',
  'null',
  '{"json": [1, 2, {"x": null}]}',
  'percent %25 %0A %00 and plus + &d=x',
  'callback("x");//',
  'data: not an event\r\n\r\n',
];

/** Sizes, in UTF-16 code units, that the generated messages cycle through (0 to 16 KiB). */
const SIZES = [0, 1, 2, 10, 100, 1000, 2047, 2048, 4095, 4096, 4097, 8191, 8192, 12_000, 16_383, 16_384];

/**
 * `count` messages, in order: the protocol-hostile specials above, then messages of every size in
 * SIZES, alternately pure ASCII and mixed unicode. None starts with `#` (the test commands do).
 */
export function testMessages(count = 200): string[] {
  const messages = [...SPECIALS];
  for (let i = 0; messages.length < count; i++) {
    const size = SIZES[i % SIZES.length] as number;
    const body = sized(Math.floor(i / SIZES.length) % 2 === 0 ? 'x' : MIXED_UNIT, size);
    messages.push(i % 5 === 0 ? body : `${i}:${body}`);
  }
  return messages.slice(0, count);
}
