/**
 * The test page the matrix and legacy tests drive: sockjs-client plus a small `harness` object
 * that opens one SockJS connection and records everything it sees. Node drives it through
 * `page.evaluate` and `page.waitForFunction`; the callbacks below run in the page, so they reach
 * the harness through `globalThis` (the project's `lib` has no DOM types, and none are needed).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { escapeAttribute, scriptLiteral } from './browser';

export interface PageCloseEvent {
  code: number;
  reason: string;
  wasClean: boolean;
}

export interface HarnessStatus {
  opened: boolean;
  /** `sock.transport` when `onopen` fired. */
  transportAtOpen: string | null;
  /** `sock.transport` now. */
  transport: string | null;
  readyState: number;
  received: number;
  closed: PageCloseEvent | null;
  /** `location.origin` of the page. */
  origin: string;
  /** `typeof WebSocket` in the page. */
  webSocketType: string;
}

export interface Harness {
  /**
   * `new SockJS(url, null, options)`: `url` null is the page's default; `transport` null lets
   * sockjs-client choose.
   */
  open(transport: string | null, url: string | null): void;
  send(messages: string[]): void;
  close(code: number, reason: string): void;
  status(): HarnessStatus;
  messages(from: number): string[];
}

export interface HarnessGlobal {
  harness: Harness;
}

export interface HarnessPageOptions {
  /** Where the page loads sockjs-client from. */
  clientScriptUrl: string;
  /** What the page passes to `new SockJS()` unless told otherwise. */
  sockjsUrl: string;
  /** Delete `window.WebSocket` and `window.MozWebSocket` before sockjs-client loads. */
  withoutWebSocket?: boolean;
}

/**
 * The page. sockjs-client gets a generous `timeout` (its default is derived from the round trip
 * of `/info`, under a second on loopback) so that a busy 2-core machine does not make a forced
 * transport time out before it opens; nothing else is changed.
 */
export function harnessPage(options: HarnessPageOptions): string {
  const removeWebSocket = options.withoutWebSocket
    ? '<script>delete window.WebSocket; delete window.MozWebSocket;</script>\n'
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sockjs-client harness</title>
${removeWebSocket}<script src="${escapeAttribute(options.clientScriptUrl)}"></script>
<script>
window.harness = (function () {
  var SOCKJS_URL = ${scriptLiteral(options.sockjsUrl)};
  var state = null;
  return {
    open: function (transport, url) {
      var s = state = { opened: false, transportAtOpen: null, messages: [], closed: null, sock: null };
      var sockOptions = { timeout: 10000 };
      if (transport) sockOptions.transports = [transport];
      var sock = s.sock = new SockJS(url || SOCKJS_URL, null, sockOptions);
      sock.onopen = function () { s.opened = true; s.transportAtOpen = sock.transport; };
      sock.onmessage = function (e) { s.messages.push(e.data); };
      sock.onclose = function (e) { s.closed = { code: e.code, reason: e.reason, wasClean: e.wasClean }; };
    },
    send: function (list) { for (var i = 0; i < list.length; i++) state.sock.send(list[i]); },
    close: function (code, reason) { state.sock.close(code, reason); },
    status: function () {
      return {
        opened: state ? state.opened : false,
        transportAtOpen: state ? state.transportAtOpen : null,
        transport: state ? state.sock.transport : null,
        readyState: state ? state.sock.readyState : -1,
        received: state ? state.messages.length : 0,
        closed: state ? state.closed : null,
        origin: location.origin,
        webSocketType: typeof window.WebSocket
      };
    },
    messages: function (from) { return state.messages.slice(from); }
  };
})();
</script>
</head>
<body><p>sockjs-client harness</p></body>
</html>
`;
}

/** The page's harness, driven from Node. */
export class PageHarness {
  constructor(private readonly page: Page) {}

  /** Opens a connection forced to `transport` (null: sockjs-client chooses) to `url` (null: the page's). */
  open(transport: string | null, url: string | null = null): Promise<void> {
    return this.page.evaluate(([t, u]) => (globalThis as unknown as HarnessGlobal).harness.open(t, u), [
      transport,
      url,
    ] as const);
  }

  send(messages: string[]): Promise<void> {
    return this.page.evaluate((list) => (globalThis as unknown as HarnessGlobal).harness.send(list), messages);
  }

  close(code: number, reason: string): Promise<void> {
    return this.page.evaluate(([c, r]) => (globalThis as unknown as HarnessGlobal).harness.close(c, r), [
      code,
      reason,
    ] as const);
  }

  status(): Promise<HarnessStatus> {
    return this.page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.status());
  }

  messages(from = 0): Promise<string[]> {
    return this.page.evaluate((f) => (globalThis as unknown as HarnessGlobal).harness.messages(f), from);
  }

  /** Waits until the connection is open, or closed without opening. */
  async opened(what: string, timeout = 15_000): Promise<HarnessStatus> {
    await this.page
      .waitForFunction(
        () => {
          const s = (globalThis as unknown as HarnessGlobal).harness.status();
          return s.opened || s.closed !== null;
        },
        undefined,
        { timeout },
      )
      .catch(async (error: unknown) => {
        throw new Error(`${what}: not open after ${timeout} ms (${JSON.stringify(await this.status())})`, {
          cause: error,
        });
      });
    const status = await this.status();
    assert.ok(status.opened, `${what}: closed before opening: ${JSON.stringify(status.closed)}`);
    return status;
  }

  /** Waits until `count` messages in all have arrived (or the connection closed); fails on close. */
  async received(count: number, what: string, timeout = 20_000): Promise<HarnessStatus> {
    await this.page
      .waitForFunction(
        (n) => {
          const s = (globalThis as unknown as HarnessGlobal).harness.status();
          return s.received >= n || s.closed !== null;
        },
        count,
        { timeout, polling: 50 },
      )
      .catch(async (error: unknown) => {
        const status = await this.status();
        throw new Error(
          `${what}: ${status.received} of ${count} messages after ${timeout} ms (${JSON.stringify(status)})`,
          { cause: error },
        );
      });
    const status = await this.status();
    assert.equal(status.closed, null, `${what}: closed after ${status.received} of ${count} messages`);
    return status;
  }

  /** Waits for the close event. */
  async closed(what: string, timeout = 15_000): Promise<PageCloseEvent> {
    await this.page
      .waitForFunction(() => (globalThis as unknown as HarnessGlobal).harness.status().closed !== null, undefined, {
        timeout,
      })
      .catch(async (error: unknown) => {
        throw new Error(`${what}: no close event after ${timeout} ms (${JSON.stringify(await this.status())})`, {
          cause: error,
        });
      });
    const { closed } = await this.status();
    assert.ok(closed);
    return closed;
  }
}
