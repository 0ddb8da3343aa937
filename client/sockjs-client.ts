/**
 * The official `sockjs-client` (1.6.x), unmodified, behind types: the package ships none. In Node
 * it brings its own drivers (faye-websocket for websocket, http.request for the XHR transports, the
 * `eventsource` package); in a bundle, the browser's. The demo, the proxy demo and the tests all
 * open it through here.
 */
import SockJS from 'sockjs-client';
import { checkOptionKeys, type ReadyState } from '../protocol';

/** What sockjs-client reports when a connection ends. */
export interface SockJsCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** sockjs-client's options, as its README documents them. */
export interface SockJsClientOptions {
  /** Transports it may use, in its own order of preference; absent: all of them. */
  readonly transports?: readonly string[];
  /**
   * How long a transport may take to open before the next is tried, in ms. sockjs-client's own
   * default is derived from the `/info` round trip.
   */
  readonly timeout?: number;
  /** Options per transport; the websocket one reaches faye-websocket (`headers` works there). */
  readonly transportOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The server id part of session URLs; random by default. */
  readonly server?: string;
  /** The session id: its length, or a function that makes one. */
  readonly sessionId?: number | (() => string);
}

/** Every key of SockJsClientOptions, at run time; the compiler keeps it complete and exact. */
const CLIENT_OPTION_KEYS = Object.keys({
  transports: true,
  timeout: true,
  transportOptions: true,
  server: true,
  sessionId: true,
} satisfies Record<keyof SockJsClientOptions, true>);

/** One sockjs-client connection: the WebSocket-like API it exposes, plus its `onheartbeat`. */
export interface SockJsClient {
  readonly url: string;
  readonly readyState: ReadyState;
  /** The transport while open (`websocket`, `xhr-streaming`...); null before and after. */
  readonly transport: string | null;
  onopen: (() => void) | null;
  onmessage: ((event: { readonly data: string }) => void) | null;
  /** An `h` frame arrived. */
  onheartbeat: (() => void) | null;
  onclose: ((event: SockJsCloseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a sockjs-client connection to the endpoint at `url` (e.g. `http://127.0.0.1:8080/echo`). */
export function openSockJs(url: string, options: SockJsClientOptions = {}): SockJsClient {
  // sockjs-client ignores keys it does not know: a misspelt `transport` would allow every transport.
  checkOptionKeys('openSockJs', options, CLIENT_OPTION_KEYS);
  // Its options object is read as given; a frozen or readonly one is fine, but it wants an array.
  const settings = { ...options, ...(options.transports ? { transports: [...options.transports] } : {}) };
  return new SockJS(url, null, settings) as SockJsClient;
}

/** True while the connection can still send (connecting or open): what a cleanup checks before close(). */
export function isLive(client: SockJsClient): boolean {
  return client.readyState === 0 || client.readyState === 1;
}
