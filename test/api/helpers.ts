/**
 * Helpers for the API and client tests: servers on 127.0.0.1:0 that close every socket they
 * accepted, a recording handler, small websocket and HTTP clients, and bounded waits.
 * No fixed sleeps anywhere: every wait is for an event, with a deadline.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { CloseInfo } from '../../server';
import { Deferred } from '../support/deferred';
import { Resources } from '../support/resources';
import { Recorder, type HandlerEvent, type Hooks } from '../support/recorder';
import { listenTracked, serveEndpoints, type ExpressServer, type Listening } from '../support/servers';
import { delay, until, withTimeout } from '../support/wait';

export { Deferred, Recorder, Resources, delay, listenTracked, serveEndpoints, until, withTimeout, type ExpressServer, type HandlerEvent, type Hooks, type Listening };

/** Deadline of one wait (a response, a frame, a callback). */
export const WAIT_MS = 3000;

/** A fresh session id (no `.` or `;`). */
export function sessionId(): string {
  return randomUUID();
}

export function wsUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/^http/, 'ws') + path;
}

// ---------------------------------------------------------------------------------------------
// A websocket client that queues what it receives

export class WsQueue {
  private readonly messages: string[] = [];
  private readonly waiters = new Set<() => void>();
  private info: CloseInfo | undefined;
  readonly closed: Promise<CloseInfo>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.from(data).toString('utf8');
      this.messages.push(isBinary ? `<binary>${text}` : text);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code: number, reason: Buffer) => {
        this.info = { code, reason: reason.toString('utf8') };
        this.wake();
        resolve(this.info);
      });
    });
    socket.on('error', () => undefined);
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<WsQueue> {
    const socket = new WebSocket(url, { perMessageDeflate: false, headers });
    const opened = new Promise<WsQueue>((resolve, reject) => {
      const queue = new WsQueue(socket);
      socket.once('open', () => resolve(queue));
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

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  get isClosed(): boolean {
    return this.info !== undefined;
  }

  /** The next message; rejects when the socket closes first. */
  next(what = 'a websocket message', ms = WAIT_MS): Promise<string> {
    let wake: (() => void) | undefined;
    const promise = new Promise<string>((resolve, reject) => {
      const attempt = (): boolean => {
        const message = this.messages.shift();
        if (message !== undefined) {
          resolve(message);
          return true;
        }
        if (this.info) {
          reject(new Error(`websocket closed (${this.info.code} ${JSON.stringify(this.info.reason)}) before ${what}`));
          return true;
        }
        return false;
      };
      if (attempt()) return;
      wake = () => {
        if (attempt() && wake) this.waiters.delete(wake);
      };
      this.waiters.add(wake);
    });
    return withTimeout(promise, what, ms).finally(() => {
      if (wake) this.waiters.delete(wake);
    });
  }

  /** Messages received and not yet read. */
  get unread(): readonly string[] {
    return this.messages;
  }

  send(text: string): void {
    this.socket.send(text);
  }

  waitForClose(what = 'the websocket to close', ms = WAIT_MS): Promise<CloseInfo> {
    return withTimeout(this.closed, what, ms);
  }

  /** Closes with a handshake (terminates if it stalls) and resolves with the close info. */
  async close(code?: number, reason?: string): Promise<CloseInfo> {
    if (this.info) return this.info;
    this.socket.close(code, reason);
    try {
      return await this.waitForClose('the websocket closing handshake', 2000);
    } catch {
      this.socket.terminate();
      return this.closed;
    }
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/** Messages of an `a[...]` frame. */
export function messagesOf(frame: string): string[] {
  if (!frame.startsWith('a[')) throw new Error(`not a message frame: ${frame.slice(0, 80)}`);
  const value: unknown = JSON.parse(frame.slice(1));
  if (!Array.isArray(value) || !value.every((m) => typeof m === 'string')) throw new Error(`bad frame ${frame}`);
  return value as string[];
}

/** Reads frames from a SockJS websocket until `count` messages have arrived. */
export async function readMessages(ws: WsQueue, count: number, ms = WAIT_MS): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const frame = await ws.next(`message ${out.length + 1} of ${count}`, ms);
    if (frame === 'h') continue;
    out.push(...messagesOf(frame));
  }
  return out;
}
