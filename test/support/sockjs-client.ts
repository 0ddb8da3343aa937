/**
 * The unmodified sockjs-client in Node, opened through client/ (`openSockJs`), one transport at a
 * time, with what a test watches: its messages (waitable), the open, the close, and the transport
 * it reported when it opened.
 */
import { isLive, openSockJs, type SockJsClient, type SockJsClientOptions, type SockJsCloseEvent } from '../../client';
import { Deferred } from './deferred';
import { Events } from './events';
import type { Resources } from './resources';
import { DEFAULT_WAIT_MS, withTimeout } from './wait';

/** The transports sockjs-client can use in Node (its drivers: faye-websocket, http.request). */
export const NODE_CLIENT_TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling'] as const;
export type NodeClientTransport = (typeof NODE_CLIENT_TRANSPORTS)[number];

/** Deadline of the open: sockjs-client's own timeouts (and fallbacks) come first. */
const OPEN_MS = 10_000;

export class SockJsConnection {
  readonly sock: SockJsClient;
  /** Resolves once open; rejects if it closes first or takes over 10 s. Refused opens need not await it. */
  readonly opened: Promise<void>;
  readonly closed: Promise<SockJsCloseEvent>;
  /** Every message received, in order. */
  readonly messages = new Events<string>();
  /** `sock.transport` when the open event fired (undefined before). */
  transportAtOpen: string | null | undefined;

  constructor(url: string, transport: NodeClientTransport, options: Omit<SockJsClientOptions, 'transports'>) {
    this.sock = openSockJs(url, { ...options, transports: [transport] });
    const opened = new Deferred<void>();
    const closed = new Deferred<SockJsCloseEvent>();
    this.sock.onopen = () => {
      this.transportAtOpen = this.sock.transport;
      opened.resolve();
    };
    this.sock.onmessage = (event) => this.messages.push(event.data);
    this.sock.onclose = (event) => {
      opened.reject(new Error(`sockjs-client closed before open: ${event.code} ${event.reason}`));
      closed.resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean });
    };
    this.opened = withTimeout(opened.promise, `sockjs-client to open ${url} with ${transport}`, OPEN_MS);
    this.opened.catch(() => undefined);
    this.closed = closed.promise;
  }

  /** The `index`-th message (0-based), waiting for it. */
  async message(index: number, what = `message ${index}`, ms = DEFAULT_WAIT_MS): Promise<string> {
    const items = await this.messages.waitForCount(index + 1, what, ms);
    return items[index] as string;
  }
}

/** Opens sockjs-client on `url` with exactly one transport; closed by `resources`. */
export function connectSockJs(
  url: string,
  transport: NodeClientTransport,
  resources: Resources,
  options: Omit<SockJsClientOptions, 'transports'> = {},
): SockJsConnection {
  const connection = new SockJsConnection(url, transport, options);
  resources.add(connection.sock, (sock) => {
    if (isLive(sock)) sock.close();
  });
  return connection;
}
