/**
 * A WebSocket (RFC 6455) test client on top of the `ws` package that keeps every message it
 * receives, so that tests can read them one by one (`next`) or by position (`message`), with
 * deadlines; and `wsRefusal` for an upgrade that must be refused.
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { ChangeBus, DEFAULT_WAIT_MS, withTimeout } from './wait';

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface WsClientOptions {
  /** Extra request headers (a Cookie, say). */
  headers?: Record<string, string>;
  /** The Origin header. */
  origin?: string;
  /** Offered subprotocols (Sec-WebSocket-Protocol). */
  protocols?: string[];
  /** Deadline of the handshake. */
  timeoutMs?: number;
}

export class ConnectionClosedError extends Error {
  constructor(
    readonly info: CloseInfo,
    what: string,
  ) {
    super(`websocket closed (code ${info.code}, reason ${JSON.stringify(info.reason)}) before ${what}`);
    this.name = 'ConnectionClosedError';
  }
}

function newSocket(url: string, options: WsClientOptions): WebSocket {
  return new WebSocket(url, options.protocols ?? [], {
    perMessageDeflate: false,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
}

export class WsClient {
  /** Every message received, in order; binary ones as `<binary>` and their bytes in hex. */
  readonly received: string[] = [];
  /** Resolves when the connection is closed, with the close code and reason. */
  readonly closed: Promise<CloseInfo>;
  private closeInfo: CloseInfo | undefined;
  /** Index in `received` of the message next() returns. */
  private cursor = 0;
  private readonly changes = new ChangeBus();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.received.push(isBinary ? `<binary>${bytes.toString('hex')}` : bytes.toString('utf8'));
      this.changes.changed();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        this.changes.changed();
        resolve(this.closeInfo);
      });
    });
    // Errors after opening are followed by 'close'; swallow them here.
    socket.on('error', () => undefined);
  }

  /** Opens a connection and waits for the handshake; rejects (with the HTTP status) if refused. */
  static open(url: string, options: WsClientOptions = {}): Promise<WsClient> {
    const socket = newSocket(url, options);
    const opened = new Promise<WsClient>((resolve, reject) => {
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req: unknown, res: IncomingMessage) =>
        reject(new Error(`websocket handshake with ${url} answered HTTP ${String(res.statusCode)}`)),
      );
    });
    return withTimeout(opened, `websocket handshake with ${url}`, options.timeoutMs).catch((error: unknown) => {
      socket.terminate();
      throw error;
    });
  }

  /** True once the close event was seen. */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Messages received but not read with next(). */
  get unread(): readonly string[] {
    return this.received.slice(this.cursor);
  }

  /** The next message not read yet; rejects with ConnectionClosedError if the connection closes first. */
  next(what = 'a websocket message', ms = DEFAULT_WAIT_MS): Promise<string> {
    return this.waitForMessage(
      () => {
        const message = this.received[this.cursor];
        if (message !== undefined) this.cursor++;
        return message;
      },
      what,
      ms,
    );
  }

  /** The `index`-th message (0-based) received, waiting for it; rejects if the connection closes first. */
  message(index: number, what = `websocket message ${index}`, ms = DEFAULT_WAIT_MS): Promise<string> {
    return this.waitForMessage(() => this.received[index], what, ms);
  }

  send(text: string): void {
    this.socket.send(text);
  }

  /** Waits for the server to close the connection. */
  waitForClose(what = 'the websocket to close', ms = DEFAULT_WAIT_MS): Promise<CloseInfo> {
    return withTimeout(this.closed, what, ms);
  }

  /** Closes with a handshake (terminates if it stalls) and resolves with the close info. */
  async close(code?: number, reason?: string): Promise<CloseInfo> {
    if (this.closeInfo) return this.closeInfo;
    this.socket.close(code, reason);
    try {
      return await this.waitForClose('the websocket closing handshake', 2000);
    } catch {
      this.socket.terminate();
      return this.closed;
    }
  }

  /** Drops the connection without a close frame. */
  terminate(): void {
    this.socket.terminate();
  }

  /** Resolves with what `take` finds, tried now and on every message; rejects once closed without it. */
  private waitForMessage(take: () => string | undefined, what: string, ms: number): Promise<string> {
    const check = (): string | undefined => {
      const message = take();
      if (message !== undefined) return message;
      if (this.closeInfo) throw new ConnectionClosedError(this.closeInfo, what);
      return undefined;
    };
    return this.changes.until(check, what, ms);
  }
}

export interface WsRefusal {
  status: number;
  body: string;
}

/** Opens a `ws` client expecting the upgrade to be refused; resolves with the HTTP status and body. */
export function wsRefusal(url: string, options: WsClientOptions = {}): Promise<WsRefusal> {
  const socket = newSocket(url, options);
  const outcome = new Promise<WsRefusal>((resolve, reject) => {
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
  return withTimeout(outcome, `the refusal of ${url}`, options.timeoutMs).finally(() => socket.terminate());
}
