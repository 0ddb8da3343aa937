/**
 * A WebSocket (RFC 6455) test client on top of the `ws` package that queues
 * incoming text messages so tests can read them one by one with deadlines.
 */
import WebSocket from 'ws';
import { DEFAULT_WAIT_MS, withTimeout } from './wait';

export interface CloseInfo {
  code: number;
  reason: string;
}

export class ConnectionClosedError extends Error {
  constructor(readonly info: CloseInfo) {
    super(`websocket closed (code ${info.code}, reason ${JSON.stringify(info.reason)})`);
    this.name = 'ConnectionClosedError';
  }
}

export class WsClient {
  private readonly messages: string[] = [];
  private closeInfo: CloseInfo | undefined;
  private wake: (() => void) | undefined;
  /** Resolves when the connection is closed, with the close code and reason. */
  readonly closed: Promise<CloseInfo>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      this.messages.push(rawDataToString(data));
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        this.notify();
        resolve(this.closeInfo);
      });
    });
    // Errors after opening are followed by 'close'; swallow them here.
    socket.on('error', () => undefined);
  }

  /** Opens a connection and waits for the handshake to complete. */
  static open(url: string, timeoutMs = DEFAULT_WAIT_MS): Promise<WsClient> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const opened = new Promise<WsClient>((resolve, reject) => {
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`websocket handshake answered with HTTP ${res.statusCode}`)));
    });
    return withTimeout(opened, `websocket handshake with ${url}`, timeoutMs).catch((err: unknown) => {
      socket.terminate();
      throw err;
    });
  }

  /** True once the close event was seen. */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Returns the next queued message; rejects with ConnectionClosedError if the connection closes first. */
  next(timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    const attempt = async (): Promise<string> => {
      for (;;) {
        const message = this.messages.shift();
        if (message !== undefined) return message;
        if (this.closeInfo) throw new ConnectionClosedError(this.closeInfo);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    };
    return withTimeout(attempt(), 'a websocket message', timeoutMs);
  }

  send(text: string): void {
    this.socket.send(text);
  }

  /** Waits for the server to close the connection. */
  waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<CloseInfo> {
    return withTimeout(this.closed, 'the websocket to close', timeoutMs);
  }

  /** Messages received but not read with next(). */
  get unread(): readonly string[] {
    return this.messages;
  }

  /** Closes politely, falling back to terminate() if the close handshake stalls. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closeInfo) return;
    this.socket.close();
    try {
      await withTimeout(this.closed, 'the websocket close handshake', timeoutMs);
    } catch {
      this.socket.terminate();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function rawDataToString(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
