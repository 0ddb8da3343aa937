/**
 * STOMP in the tests: a server with the STOMP handler on a SockJS endpoint (`/stomp`) and a plain
 * websocket one (`/stomp-ws`); `RawStomp`, frames written by hand over a websocket and read back
 * with our decoder (for the protocol's rules and error paths); and `StompjsSession`, the real
 * `@stomp/stompjs` client over `ws` or over sockjs-client.
 */
import type * as Stompjs from '@stomp/stompjs' with { 'resolution-mode': 'import' };
import type { Client as StompjsClient, IMessage, IFrame, StompConfig } from '@stomp/stompjs' with {
  'resolution-mode': 'import',
};
import WebSocket from 'ws';
import { openSockJs } from '../../client';
import {
  encodeFrame,
  StompDecoder,
  type StompFrame,
  type StompHeader,
  type StompVersion,
  headerValue,
} from '../../protocol';
import type { EndpointOptions } from '../../server';
import { createStompServer, type StompServer, type StompServerOptions } from '../../server/stomp';
import { Events } from './events';
import { RecordingLogger } from './logger';
import { useStarted, type Resources, type Started } from './resources';
import { serveEndpoints, type ExpressServer } from './servers';
import type { NodeClientTransport } from './sockjs-client';
import { DEFAULT_WAIT_MS, withTimeout } from './wait';
import { WsClient, type CloseInfo } from './ws-client';

export interface StompTestServer {
  readonly stomp: StompServer;
  readonly http: ExpressServer;
  readonly logger: RecordingLogger;
  /** `ws://…/stomp-ws` (plain websocket). */
  readonly wsUrl: string;
  /** `http://…/stomp` (SockJS). */
  readonly sockjsUrl: string;
}

/** A STOMP server on both endpoints; `setup` adds mappings and listeners before it listens. */
export async function startStompServer(
  options: StompServerOptions = {},
  setup?: (stomp: StompServer) => void,
  endpoint: Partial<EndpointOptions> = {},
): Promise<StompTestServer> {
  const logger = new RecordingLogger();
  const stomp = createStompServer({ logger, ...options });
  setup?.(stomp);
  const common = { handler: stomp.handler, subprotocols: stomp.subprotocols, logger, ...endpoint };
  const http = await serveEndpoints([
    { prefix: '/stomp', ...common },
    { prefix: '/stomp-ws', sockjs: false, ...common },
  ]);
  return {
    stomp,
    http,
    logger,
    wsUrl: `${http.baseUrl.replace('http', 'ws')}/stomp-ws`,
    sockjsUrl: `${http.baseUrl}/stomp`,
  };
}

/** `startStompServer` before the file's (or block's) tests, closed after them. */
export function useStompServer(
  options: StompServerOptions = {},
  setup?: (stomp: StompServer) => void,
  endpoint: Partial<EndpointOptions> = {},
): Started<StompTestServer> {
  return useStarted(async (resources) => {
    const server = await startStompServer(options, setup, endpoint);
    resources.add(server.http, (http) => http.close());
    return server;
  });
}

/** Frames by hand over a plain websocket, read back frame by frame (heart-beats counted apart). */
export class RawStomp {
  readonly frames = new Events<StompFrame>();
  heartBeats = 0;
  private readonly decoder = new StompDecoder();

  private constructor(readonly ws: WsClient) {
    ws.socket.on('message', (data: WebSocket.RawData) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as Buffer).toString();
      for (const item of this.decoder.push(text)) {
        if (item.type === 'frame') this.frames.push(item.frame);
        else this.heartBeats++;
      }
    });
  }

  static async open(url: string, resources: Resources, protocols: string[] = ['v12.stomp']): Promise<RawStomp> {
    const ws = await WsClient.open(url, { protocols });
    resources.add(ws, (client) => client.close());
    return new RawStomp(ws);
  }

  /** The escapes to read MESSAGE frames with: set it to the version the CONNECTED agreed. */
  set version(version: StompVersion) {
    this.decoder.version = version;
  }

  /** Sends wire text as it is (several frames, part of one, anything). */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  send(command: StompFrame['command'], headers: Record<string, string> = {}, body = ''): void {
    const list: StompHeader[] = Object.entries(headers);
    this.ws.send(encodeFrame({ command, headers: list, body }, command === 'CONNECT' ? '1.2' : '1.2'));
  }

  /** CONNECT (1.2, no heart-beats unless given) and its CONNECTED. */
  async connect(headers: Record<string, string> = {}): Promise<StompFrame> {
    this.send('CONNECT', { 'accept-version': '1.2', host: 'localhost', 'heart-beat': '0,0', ...headers });
    const frame = await this.next('CONNECTED');
    if (frame.command !== 'CONNECTED') throw new Error(`expected CONNECTED, got ${describe(frame)}`);
    return frame;
  }

  private cursor = 0;

  /** The next frame not read yet. */
  async next(what = 'a STOMP frame', ms = DEFAULT_WAIT_MS): Promise<StompFrame> {
    const items = await this.frames.waitForCount(this.cursor + 1, what, ms);
    return items[this.cursor++] as StompFrame;
  }

  /** The next frame, which must be `command`. */
  async expect(command: StompFrame['command'], what: string = command, ms = DEFAULT_WAIT_MS): Promise<StompFrame> {
    const frame = await this.next(what, ms);
    if (frame.command !== command) throw new Error(`expected ${command} (${what}), got ${describe(frame)}`);
    return frame;
  }

  /** An ERROR frame, then the close. */
  async expectError(what: string): Promise<{ error: StompFrame; close: CloseInfo }> {
    const error = await this.expect('ERROR', what);
    const close = await this.ws.waitForClose(`the close after ${what}`);
    return { error, close };
  }
}

export function describe(frame: StompFrame): string {
  return `${frame.command} ${JSON.stringify(frame.headers)} ${JSON.stringify(frame.body.slice(0, 200))}`;
}

export { headerValue };

/** The transports a stompjs session may ride. */
export type StompjsTransport = 'ws' | NodeClientTransport;

let stompjs: Promise<typeof Stompjs> | undefined;
/** stompjs ships as an ES module; CommonJS tests load it with import(), once. */
export function loadStompjs(): Promise<typeof Stompjs> {
  return (stompjs ??= import('@stomp/stompjs'));
}

/** A `@stomp/stompjs` Client and what it saw: frames by subscription, receipts, errors, closes. */
export class StompjsSession {
  readonly messages = new Events<IMessage>();
  readonly receipts = new Events<string>();
  readonly errors = new Events<IFrame>();
  readonly closes = new Events<{ code: number; reason: string }>();
  connectedFrame: IFrame | undefined;

  private constructor(readonly client: StompjsClient) {}

  /**
   * Connects over `transport` to the server (plain websocket for `ws`, sockjs-client with exactly
   * that transport otherwise) and resolves once CONNECTED; no reconnect.
   */
  static async connect(
    server: Pick<StompTestServer, 'wsUrl' | 'sockjsUrl'>,
    transport: StompjsTransport,
    resources: Resources,
    config: StompConfig = {},
  ): Promise<StompjsSession> {
    const { Client } = await loadStompjs();
    const client = new Client({
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      webSocketFactory: () =>
        transport === 'ws'
          ? new WebSocket(server.wsUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp'])
          : openSockJs(server.sockjsUrl, { transports: [transport] }),
      ...config,
    });
    const session = new StompjsSession(client);
    const connected = new Promise<void>((resolve, reject) => {
      client.onConnect = (frame) => {
        session.connectedFrame = frame;
        resolve();
      };
      client.onStompError = (frame) => {
        session.errors.push(frame);
        reject(new Error(`STOMP ERROR: ${frame.headers.message ?? ''}`));
      };
      client.onWebSocketClose = (event: { code: number; reason: string }) => {
        session.closes.push({ code: event.code, reason: event.reason });
        reject(new Error(`closed before CONNECTED: ${event.code} ${event.reason}`));
      };
    });
    client.activate();
    resources.add(client, (c) => c.deactivate());
    await withTimeout(connected, `stompjs to connect over ${transport}`, 10_000);
    return session;
  }

  /** Subscribes; messages land in `messages` (and `onMessage` if given). */
  subscribe(
    destination: string,
    headers: Record<string, string> = {},
    onMessage?: (message: IMessage) => void,
  ): string {
    const subscription = this.client.subscribe(
      destination,
      (message) => {
        this.messages.push(message);
        onMessage?.(message);
      },
      headers,
    );
    return subscription.id;
  }

  /** Publishes and waits for the server's RECEIPT for it (so that what follows comes after it). */
  async publishWithReceipt(destination: string, body: string, headers: Record<string, string> = {}): Promise<void> {
    const receipt = `r-${Math.random().toString(36).slice(2)}`;
    const seen = new Promise<void>((resolve) => this.client.watchForReceipt(receipt, () => resolve()));
    this.client.publish({ destination, body, headers: { ...headers, receipt } });
    await withTimeout(seen, `the receipt for a SEND to ${destination}`);
  }

  /** Subscribes and waits until the server has the subscription (a receipt for the SUBSCRIBE). */
  async subscribed(destination: string, headers: Record<string, string> = {}): Promise<string> {
    const receipt = `s-${Math.random().toString(36).slice(2)}`;
    const seen = new Promise<void>((resolve) => this.client.watchForReceipt(receipt, () => resolve()));
    const id = this.subscribe(destination, { ...headers, receipt });
    await withTimeout(seen, `the receipt for a SUBSCRIBE to ${destination}`);
    return id;
  }
}
