/**
 * Shared pieces of the Spring-model tests: an Express app + http.Server on 127.0.0.1:0 with a
 * registry mounted, the unmodified sockjs-client run in Node, a raw xhr-polling session, a
 * recording logger and raw websocket upgrades. Every wait is for an event, with a deadline.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import express, { type Express } from 'express';
import WebSocket from 'ws';
import { WebSocketHandlerRegistry, type Logger } from '../../server';
import { Deferred, Resources, WAIT_MS, withTimeout } from '../api/helpers';
import { Events } from '../support/events';
import { RecordingLogger } from '../support/logger';
import { listenTracked, type Listening } from '../support/servers';
import { POST, type HttpResponse } from '../support/raw-http';
import { rawUpgrade } from '../support/raw-ws';

export { Deferred, Events, rawUpgrade, RecordingLogger, Resources, WAIT_MS, withTimeout };

// ---------------------------------------------------------------------------------------------
// App + server + registry

export interface SpringApp extends Listening {
  app: Express;
  registry: WebSocketHandlerRegistry;
}

/**
 * An Express app with its http.Server, `configure` registering handlers (and routes) on the
 * registry, then `registry.mount(app, server)` and listen. `close()` closes the registry, then
 * the server and every socket it accepted.
 */
export async function startApp(
  configure: (registry: WebSocketHandlerRegistry, app: Express, server: Server) => void,
  options: { logger?: Logger; mount?: boolean } = {},
): Promise<SpringApp> {
  const app = express();
  const server = createServer(app);
  const registry = new WebSocketHandlerRegistry(options.logger ? { logger: options.logger } : {});
  configure(registry, app, server);
  const endpoints = options.mount === false ? [] : registry.mount(app, server);
  const running = await listenTracked(server);
  return {
    ...running,
    app,
    registry,
    async close() {
      // No grace period for queued messages: tests leave unpolled sessions behind on purpose.
      await Promise.all(endpoints.map((endpoint) => endpoint.close({ flushTimeout: 0 })));
      await registry.close();
      await running.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// sockjs-client, unmodified, in Node

export interface SockJsCloseEvent {
  code: number;
  reason: string;
  wasClean: boolean;
}

export interface SockJsClient {
  readonly readyState: number;
  readonly transport: string | null;
  onopen: (() => void) | null;
  onmessage: ((event: { data: string }) => void) | null;
  onclose: ((event: SockJsCloseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface SockJsClientOptions {
  transports: string[];
  timeout?: number;
  /** Per transport; the websocket one reaches faye-websocket (`headers` works there). */
  transportOptions?: Record<string, Record<string, unknown>>;
}

type SockJsConstructor = new (url: string, protocols: null, options: SockJsClientOptions) => SockJsClient;

// sockjs-client ships no types; this is the part of its API the tests use.
export const SockJS = require('sockjs-client') as SockJsConstructor;

/** The transports sockjs-client can use in Node (its node drivers: faye-websocket, http.request). */
export const CLIENT_TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling'] as const;
export type ClientTransport = (typeof CLIENT_TRANSPORTS)[number];

export interface Connection {
  sock: SockJsClient;
  opened: Promise<void>;
  messages: Events<string>;
  closed: Promise<SockJsCloseEvent>;
  /** The next message after the `index`-th (0-based), waiting for it. */
  message(index: number, what?: string, ms?: number): Promise<string>;
}

/** Opens sockjs-client on `url` with exactly one transport; closed by `resources`. */
export function connect(
  url: string,
  transport: ClientTransport,
  resources: Resources,
  extra: Omit<SockJsClientOptions, 'transports'> = {},
): Connection {
  const sock = new SockJS(url, null, { transports: [transport], ...extra });
  resources.add(sock, (s) => {
    if (s.readyState === 0 || s.readyState === 1) s.close();
  });
  const opened = new Deferred<void>();
  const closed = new Deferred<SockJsCloseEvent>();
  const messages = new Events<string>();
  sock.onopen = () => opened.resolve();
  sock.onmessage = (event) => messages.push(event.data);
  sock.onclose = (event) => {
    opened.reject(new Error(`sockjs-client closed before open: ${event.code} ${event.reason}`));
    closed.resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean });
  };
  const openedInTime = withTimeout(opened.promise, `sockjs-client to open ${url} with ${transport}`, 10_000);
  // Tests of refused handshakes never await it.
  openedInTime.catch(() => undefined);
  return {
    sock,
    opened: openedInTime,
    messages,
    closed: closed.promise,
    async message(index, what = `message ${index}`, ms = WAIT_MS) {
      const items = await messages.waitForCount(index + 1, what, ms);
      return items[index] as string;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A raw xhr-polling session (full control over when it polls)

/** Frames of one xhr/xhr_streaming body: one per line. */
export function framesOf(body: string): string[] {
  const prelude = 'h'.repeat(2048);
  return body.split('\n').filter((line) => line !== '' && line !== prelude);
}

/** Messages of an `a[...]` frame. */
export function messagesOf(frame: string): string[] {
  assert.ok(frame.startsWith('a['), `not a message frame: ${frame.slice(0, 80)}`);
  const value: unknown = JSON.parse(frame.slice(1));
  assert.ok(Array.isArray(value) && value.every((m) => typeof m === 'string'), `bad frame ${frame}`);
  return value as string[];
}

export class XhrPollingSession {
  readonly id = randomUUID();
  constructor(
    readonly port: number,
    readonly prefix: string,
    readonly headers: Record<string, string> = {},
  ) {}

  get base(): string {
    return `${this.prefix}/000/${this.id}`;
  }

  /** One poll: the whole response (status, one frame + `\n`). */
  poll(ms = WAIT_MS): Promise<HttpResponse> {
    return POST(this.port, `${this.base}/xhr`, { headers: this.headers, timeoutMs: ms });
  }

  /** One poll answered 200; returns its frame. */
  async pollFrame(ms = WAIT_MS): Promise<string> {
    const response = await this.poll(ms);
    assert.equal(response.status, 200, `xhr poll answered ${response.status}: ${response.body}`);
    return response.body.replace(/\n$/, '');
  }

  /** Opens the session: the first poll must answer `o`. */
  async open(): Promise<void> {
    assert.equal(await this.pollFrame(), 'o');
  }

  /** xhr_send with a JSON array of the messages. */
  send(messages: readonly string[], headers: Record<string, string> = {}): Promise<HttpResponse> {
    return POST(this.port, `${this.base}/xhr_send`, {
      headers: { 'Content-Type': 'text/plain', ...this.headers, ...headers },
      body: JSON.stringify(messages),
    });
  }

  /** Polls until a `c[...]` frame; returns every message received before it, and the close frame. */
  async pollUntilClose(maxPolls = 20): Promise<{ messages: string[]; close: string }> {
    const messages: string[] = [];
    for (let i = 0; i < maxPolls; i++) {
      const frame = await this.pollFrame();
      if (frame.startsWith('c[')) return { messages, close: frame };
      if (frame.startsWith('a[')) messages.push(...messagesOf(frame));
    }
    throw new Error(`no close frame in ${maxPolls} polls; got ${JSON.stringify(messages)}`);
  }

  /** Polls until `count` messages have arrived. */
  async pollMessages(count: number, maxPolls = 20): Promise<string[]> {
    const messages: string[] = [];
    for (let i = 0; i < maxPolls && messages.length < count; i++) {
      const frame = await this.pollFrame();
      if (frame.startsWith('c[')) throw new Error(`closed with ${frame} after ${JSON.stringify(messages)}`);
      if (frame.startsWith('a[')) messages.push(...messagesOf(frame));
    }
    return messages;
  }
}

// ---------------------------------------------------------------------------------------------
// Websockets

export function wsUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/^http/, 'ws') + path;
}

/** A fresh SockJS websocket transport path under `prefix`. */
export function sockjsWsPath(prefix: string): string {
  return `${prefix}/000/${randomUUID()}/websocket`;
}

export interface WsOutcome {
  status: number;
  body: string;
}

/** Opens a `ws` client expecting the upgrade to be refused; resolves with the HTTP status and body. */
export function wsRefusal(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = []): Promise<WsOutcome> {
  const socket = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
  const outcome = new Promise<WsOutcome>((resolve, reject) => {
    socket.once('open', () => reject(new Error(`websocket ${url} opened; a refusal was expected`)));
    socket.once('error', (error) => reject(error));
    socket.once('unexpected-response', (_req: unknown, res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
  return withTimeout(outcome, `the refusal of ${url}`).finally(() => socket.terminate());
}

/** A `ws` client that queues text and binary messages (binary as `<binary>hex`). */
export class WsConn {
  readonly messages = new Events<string>();
  readonly closed: Promise<{ code: number; reason: string }>;
  private closeInfo: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.messages.push(isBinary ? `<binary>${buffer.toString('hex')}` : buffer.toString('utf8'));
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        resolve(this.closeInfo);
      });
    });
    socket.on('error', () => undefined);
  }

  static open(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = []): Promise<WsConn> {
    const socket = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
    const opened = new Promise<WsConn>((resolve, reject) => {
      const conn = new WsConn(socket);
      socket.once('open', () => resolve(conn));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req: unknown, res: IncomingMessage) =>
        reject(new Error(`websocket handshake with ${url} answered HTTP ${String(res.statusCode)}`)),
      );
    });
    return withTimeout(opened, `websocket handshake with ${url}`).catch((error: unknown) => {
      socket.terminate();
      throw error;
    });
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  async message(index: number, what = `websocket message ${index}`, ms = WAIT_MS): Promise<string> {
    const items = await Promise.race([
      this.messages.waitForCount(index + 1, what, ms),
      this.closed.then(async (info) => {
        // Messages may still be queued right before the close.
        if (this.messages.items.length > index) return this.messages.items;
        throw new Error(`websocket closed (${info.code} ${JSON.stringify(info.reason)}) before ${what}`);
      }),
    ]);
    return items[index] as string;
  }

  waitForClose(what = 'the websocket to close', ms = WAIT_MS): Promise<{ code: number; reason: string }> {
    return withTimeout(this.closed, what, ms);
  }

  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.socket.close();
    try {
      await withTimeout(this.closed, 'the websocket closing handshake', 2000);
    } catch {
      this.socket.terminate();
    }
  }
}

/** Closes a registry's endpoints without the grace period for queued messages, then the registry. */
export async function closeRegistry(registry: WebSocketHandlerRegistry, paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => registry.endpoint(path).close({ flushTimeout: 0 })));
  await registry.close();
}
