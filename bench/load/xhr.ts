/**
 * The SockJS xhr-streaming and xhr-polling transports, client side, over node's http with a
 * keep-alive Agent. Sending is sockjs-client's: one xhr_send at a time, messages queued meanwhile
 * go together in the next one.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import {
  dispatchFrame,
  sessionPath,
  type ClientSession,
  type SessionListener,
  type Target,
  type Transport,
} from './session';

const agent = new Agent({ keepAlive: true, noDelay: true, maxSockets: Infinity, maxFreeSockets: 4096 });

export class XhrSession implements ClientSession {
  isOpen = false;
  heartbeats = 0;
  private done = false;
  private readonly path: string;
  private receiving: ReturnType<typeof request> | undefined;
  /** The receiving response has been read to its end (a finished poll): nothing to abort. */
  private received = false;
  private queue: string[] = [];
  private sending = false;

  constructor(
    private readonly target: Target,
    service: string,
    readonly transport: Exclude<Transport, 'websocket'>,
    private readonly listener: SessionListener,
    private readonly localAddress?: string,
  ) {
    this.path = sessionPath(service);
    this.receive();
  }

  send(message: string): void {
    if (this.done) return;
    this.queue.push(message);
    if (!this.sending) this.flush();
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.isOpen = false;
    // As sockjs-client: abort the receiving request; the server times the session out.
    if (!this.received) this.receiving?.destroy();
  }

  private post(suffix: string, body: string, onResponse: (res: IncomingMessage) => void): ReturnType<typeof request> {
    const req = request(
      {
        host: this.target.host,
        port: this.target.port,
        method: 'POST',
        path: `${this.path}/${suffix}`,
        agent,
        localAddress: this.localAddress,
        headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode !== 200 && res.statusCode !== 204) {
          res.resume();
          this.lose(`${suffix} answered ${res.statusCode}`);
          return;
        }
        onResponse(res);
      },
    );
    req.on('error', (error) => this.lose(`${suffix}: ${error.message}`));
    req.end(body);
    return req;
  }

  private flush(): void {
    if (this.done || this.queue.length === 0) return;
    const body = JSON.stringify(this.queue);
    this.queue = [];
    this.sending = true;
    this.post('xhr_send', body, (res) => {
      res.resume();
      res.on('end', () => {
        this.sending = false;
        this.flush();
      });
    });
  }

  /** One receiving request: a stream (until the server's response limit) or one poll. */
  private receive(): void {
    if (this.done) return;
    const streaming = this.transport === 'xhr-streaming';
    this.received = false;
    this.receiving = this.post(streaming ? 'xhr_streaming' : 'xhr', '', (res) => {
      res.setEncoding('utf8');
      let pending = '';
      const lines = (): void => {
        let newline = pending.indexOf('\n');
        while (newline !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          // The xhr-streaming prelude is 2048 `h`, no frame.
          if (!(line.length > 1 && line.charCodeAt(1) === 0x68)) this.frame(line);
          newline = pending.indexOf('\n');
        }
      };
      res.on('data', (chunk: string) => {
        pending += chunk;
        // A poll is handled once it is complete (as an XHR's load event), a stream chunk by chunk.
        if (streaming) lines();
      });
      res.on('end', () => {
        this.received = true;
        lines();
        this.receive();
      });
      res.on('aborted', () => this.lose('receiving response aborted'));
      res.on('error', (error) => this.lose(`receiving response: ${error.message}`));
    });
  }

  private frame(line: string): void {
    if (this.done) return;
    const known = dispatchFrame(
      line,
      this.listener,
      () => (this.isOpen = true),
      () => this.heartbeats++,
    );
    if (!known) this.lose(`frame ${line.slice(0, 40)}`);
  }

  private lose(why: string): void {
    if (this.done) return;
    this.done = true;
    this.isOpen = false;
    this.receiving?.destroy();
    this.listener.lost?.(why);
  }
}
