/**
 * A bare STOMP 1.2 client for the load generator: frames written with our codec (`encodeFrame`) and
 * read with `StompDecoder`, over a plain websocket (`ws`, our `/stomp-ws` or RabbitMQ's `/ws`) or a
 * SockJS session of the generator's own (one STOMP frame per SockJS message). Far cheaper than
 * stompjs, so that the load side is not what limits a run.
 */
import WebSocket from 'ws';
import { encodeFrame, headerValue, StompDecoder, type StompFrame, type StompHeader } from '../../protocol';
import { openSession } from './open';
import type { ClientSession, Target, Transport } from './session';

/** Where a STOMP client connects. */
export interface StompTarget extends Target {
  /** `websocket`: a plain websocket at `path`; else a SockJS session under `path` on that transport. */
  transport: Transport;
  /** `/stomp-ws` (plain websocket), `/stomp` (SockJS), `/ws` (RabbitMQ Web-STOMP). */
  path: string;
  /** CONNECT's `host` (RabbitMQ: the virtual host). */
  vhost: string;
  login?: string;
  passcode?: string;
}

export interface StompListener {
  message(frame: StompFrame): void;
  /** One websocket message or SockJS frame arrived (before its STOMP frames): frames per transport message. */
  chunk?(): void;
  /** The connection ended without the client asking, or the server sent ERROR. */
  lost(why: string): void;
}

const SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

/** Carries STOMP text both ways: a websocket or a SockJS session. */
interface Line {
  send(text: string): void;
  close(): void;
}

export class StompClient {
  private readonly decoder = new StompDecoder();
  private readonly line: Line;
  private done = false;
  private connected: ((frame: StompFrame) => void) | undefined;
  private readonly receipts = new Map<string, () => void>();
  private nextReceipt = 0;
  private failed: ((why: string) => void) | undefined;

  private readonly connectFrame: string;

  private constructor(
    target: StompTarget,
    private readonly listener: StompListener,
  ) {
    this.connectFrame = connectFrame(target);
    this.line = target.transport === 'websocket' ? this.openWebSocket(target) : this.openSockJs(target);
  }

  /** Opens the line, sends CONNECT (no heart-beats) and resolves on CONNECTED. */
  static connect(target: StompTarget, listener: StompListener, timeoutMs: number): Promise<StompClient> {
    return new Promise((resolve, reject) => {
      const client = new StompClient(target, listener);
      const timer = setTimeout(() => {
        client.close();
        reject(new Error(`no CONNECTED within ${timeoutMs} ms`));
      }, timeoutMs);
      client.failed = (why) => {
        clearTimeout(timer);
        reject(new Error(why));
      };
      client.connected = () => {
        clearTimeout(timer);
        client.failed = undefined;
        resolve(client);
      };
    });
  }

  /** SUBSCRIBE with a receipt: resolves once the server confirms (the subscription is in place). */
  subscribe(destination: string, id: string, timeoutMs: number): Promise<void> {
    const receipt = `r${++this.nextReceipt}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.receipts.delete(receipt);
        reject(new Error(`no RECEIPT for SUBSCRIBE ${destination} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.receipts.set(receipt, () => {
        clearTimeout(timer);
        resolve();
      });
      this.write({
        command: 'SUBSCRIBE',
        headers: [
          ['id', id],
          ['destination', destination],
          ['ack', 'auto'],
          ['receipt', receipt],
        ],
        body: '',
      });
    });
  }

  send(destination: string, body: string): void {
    this.write({ command: 'SEND', headers: [['destination', destination]], body });
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.line.close();
  }

  private write(frame: StompFrame): void {
    if (!this.done) this.line.send(encodeFrame(frame, '1.2'));
  }

  private opened(): void {
    this.line.send(this.connectFrame);
  }

  private received(text: string): void {
    if (this.done) return;
    let items;
    try {
      items = this.decoder.push(text);
    } catch (error) {
      this.lose(`undecodable frame: ${(error as Error).message}`);
      return;
    }
    for (const item of items) {
      if (item.type === 'frame') this.frame(item.frame);
    }
  }

  private frame(frame: StompFrame): void {
    switch (frame.command) {
      case 'MESSAGE':
        this.listener.message(frame);
        return;
      case 'CONNECTED':
        this.connected?.(frame);
        this.connected = undefined;
        return;
      case 'RECEIPT': {
        const id = headerValue(frame, 'receipt-id') ?? '';
        this.receipts.get(id)?.();
        this.receipts.delete(id);
        return;
      }
      default:
        this.lose(`${frame.command} ${headerValue(frame, 'message') ?? ''}`);
    }
  }

  private lose(why: string): void {
    if (this.done) return;
    this.done = true;
    this.line.close();
    this.failed?.(why);
    this.listener.lost(why);
  }

  private openWebSocket(target: StompTarget): Line {
    const url = `ws://${target.host}:${target.port}${target.path}`;
    const ws = new WebSocket(url, SUBPROTOCOLS, { perMessageDeflate: false, handshakeTimeout: 30_000 });
    ws.on('open', () => this.opened());
    ws.on('message', (data: Buffer) => {
      this.listener.chunk?.();
      this.received(data.toString());
    });
    ws.on('close', (code: number) => this.lose(`websocket closed ${code}`));
    ws.on('error', (error: Error) => this.lose(error.message));
    return {
      send: (text) => ws.send(text),
      close: () => (ws.readyState === WebSocket.CONNECTING ? ws.terminate() : ws.close(1000)),
    };
  }

  private openSockJs(target: StompTarget): Line {
    const session: ClientSession = openSession(target.transport, target, target.path.slice(1), {
      open: () => this.opened(),
      messages: (messages) => {
        this.listener.chunk?.();
        for (const message of messages) this.received(message);
      },
      lost: (why) => this.lose(why),
    });
    return { send: (text) => session.send(text), close: () => session.close() };
  }
}

function connectFrame(target: StompTarget): string {
  const headers: StompHeader[] = [
    ['accept-version', '1.2'],
    ['host', target.vhost],
    ['heart-beat', '0,0'],
  ];
  if (target.login !== undefined) headers.push(['login', target.login]);
  if (target.passcode !== undefined) headers.push(['passcode', target.passcode]);
  return encodeFrame({ command: 'CONNECT', headers, body: '' }, '1.2');
}

/** Connects `count` clients, `concurrency` at a time; fails on the first client that cannot. */
export async function connectMany(
  count: number,
  concurrency: number,
  connect: (index: number) => Promise<StompClient>,
): Promise<StompClient[]> {
  const clients: StompClient[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      clients[index] = await connect(index);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (error) {
    for (const client of clients) client?.close();
    throw error;
  }
  return clients;
}
