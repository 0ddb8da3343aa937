import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Stream } from 'node:stream';
import { ReadyState, type TransportName } from '../../protocol';
import type { SockJsSession } from '../handler';
import { splitUrl } from '../router';

/** The request headers sockjs-node copies onto `conn.headers` (the others, cookies first, it hides). */
const EXPOSED_HEADERS = [
  'referer',
  'x-client-ip',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-cluster-client-ip',
  'via',
  'x-real-ip',
  'x-forwarded-proto',
  'x-ssl',
  'dnt',
  'host',
  'user-agent',
  'accept-language',
] as const;

/** What sockjs-node reads off the request that opens a session, taken at our handshake. */
export interface RequestDetails {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly address: AddressInfo | Record<string, never> | undefined;
  readonly url: string;
  readonly pathname: string;
  readonly headers: IncomingHttpHeaders;
}

export function detailsOf(req: IncomingMessage): RequestDetails {
  const headers: Record<string, string | string[]> = {};
  for (const key of EXPOSED_HEADERS) {
    const value: string | string[] | undefined = req.headers[key];
    if (value) headers[key] = value;
  }
  const socket = req.socket;
  // A socket destroyed meanwhile has no address: sockjs-node then leaves all three unset too.
  const remoteAddress = socket.remoteAddress;
  const url = req.url ?? '/';
  return {
    remoteAddress,
    remotePort: remoteAddress === undefined ? undefined : socket.remotePort,
    address: remoteAddress === undefined ? undefined : socket.address(),
    url,
    pathname: splitUrl(url).path,
    headers,
  };
}

/**
 * sockjs-node's `SockJSConnection`: a (legacy) Stream over one of our sessions. Events: `data` (one
 * per message), then `end` and `close`, once, when the session is closed.
 */
export class SockJSConnection extends Stream {
  /** A fresh UUID, as sockjs-node's (not the session id of the URL). */
  readonly id: string = randomUUID();
  readonly prefix: string;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly address: AddressInfo | Record<string, never> | undefined;
  readonly url: string;
  readonly pathname: string;
  /** The transport, named as sockjs-node names it ('websocket', 'xhr-streaming', ...). */
  readonly protocol: TransportName;
  readonly headers: IncomingHttpHeaders;
  /** `end` and `close` have been emitted (they are, once). */
  private finished = false;

  constructor(
    private readonly session: SockJsSession,
    prefix: string,
    details: RequestDetails,
  ) {
    super();
    this.prefix = prefix;
    this.remoteAddress = details.remoteAddress;
    this.remotePort = details.remotePort;
    this.address = details.address;
    this.url = details.url;
    this.pathname = details.pathname;
    this.headers = details.headers;
    this.protocol = session.transport;
  }

  /** CLOSED from the `end` event on, as sockjs-node's (our session may still be flushing its close frame). */
  get readyState(): ReadyState {
    return this.finished ? ReadyState.CLOSED : this.session.readyState;
  }

  /**
   * Emits `end` then `close`, the first time only. Called when our session's `onClose` runs, and
   * from `close()` when the session is closed at once (a websocket): sockjs-node emits both inside
   * `close()` then, so a `close` listener added after `close()` never runs; we do the same.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('end');
    this.emit('close');
  }

  get readable(): boolean {
    return this.readyState === ReadyState.OPEN;
  }

  get writable(): boolean {
    return this.readyState === ReadyState.OPEN;
  }

  /**
   * Queues a message; false only when the connection is not open. As in sockjs-node, true says
   * nothing of backpressure (our `send()`'s false at the high-water mark is not passed on).
   */
  write(message: unknown): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    this.session.send(String(message));
    return true;
  }

  /** Writes `message` if given (and not empty, as sockjs-node), then closes with 1000. */
  end(message?: unknown): null {
    if (message) this.write(message);
    this.close();
    return null;
  }

  /** Closes with `c[code,"reason"]`; false when not open. Codes our sessions refuse throw `ERR_INVALID_CLOSE_CODE`. */
  close(code = 1000, reason = 'Normal closure'): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    this.session.close(code, reason);
    if (this.session.readyState === ReadyState.CLOSED) this.finish();
    return true;
  }

  /** Ends, and drops every listener (so no `close` event reaches them), as sockjs-node. */
  destroy(): void {
    this.end();
    this.removeAllListeners();
  }

  destroySoon(): void {
    this.destroy();
  }

  override toString(): string {
    return `<SockJSConnection ${this.id}>`;
  }
}
