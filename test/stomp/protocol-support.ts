/**
 * What the STOMP protocol tests share: the canary (after every error path, another session on the
 * same server must still connect, subscribe, send and receive), and STOMP over raw SockJS on a
 * websocket (`ws://…/stomp/000/<id>/websocket`, STOMP text inside `a[…]` arrays), where the SockJS
 * frames themselves (`h`, `c[…]`) are visible.
 */
import assert from 'node:assert/strict';
import { StompDecoder, type StompFrame } from '../../protocol';
import { Events } from '../support/events';
import type { Resources } from '../support/resources';
import { messagesOf, sockjsWsPath, wsUrl } from '../support/sockjs';
import { headerValue, type StompTestServer } from '../support/stomp';
import { DEFAULT_WAIT_MS } from '../support/wait';
import { WsClient } from '../support/ws-client';

export { unique, rawSession as connected } from '../support/stomp-e2e';
import { unique, rawSession as connected } from '../support/stomp-e2e';

/** Another session on the same server connects, subscribes, sends and receives its own message. */
export async function canary(server: StompTestServer, resources: Resources): Promise<void> {
  const raw = await connected(server, resources);
  const topic = `/topic/${unique('canary')}`;
  raw.send('SUBSCRIBE', { id: 'c', destination: topic, receipt: 'c-sub' });
  assert.equal(headerValue(await raw.expect('RECEIPT', 'the canary subscription'), 'receipt-id'), 'c-sub');
  raw.send('SEND', { destination: topic }, 'alive');
  const message = await raw.expect('MESSAGE', 'the canary message');
  assert.equal(message.body, 'alive');
  raw.send('DISCONNECT', { receipt: 'c-bye' });
  await raw.expect('RECEIPT', 'the canary DISCONNECT receipt');
  await raw.ws.waitForClose('the canary close');
}

/** STOMP over raw SockJS on a websocket: STOMP frames decoded from `a[…]`, SockJS `h` and `c[…]` counted apart. */
export class SockJsStomp {
  readonly frames = new Events<StompFrame>();
  /** SockJS heartbeat frames (`h`). */
  readonly sockjsHeartbeats = new Events<number>();
  /** STOMP heart-beats (a bare EOL inside an `a[…]` message). */
  readonly stompHeartBeats = new Events<number>();
  /** The SockJS close frame, once sent. */
  readonly closeFrames = new Events<string>();
  private readonly decoder = new StompDecoder();
  private cursor = 0;

  private constructor(readonly ws: WsClient) {
    ws.socket.on('message', (data: Buffer) => this.read(data.toString('utf8')));
  }

  static async open(server: StompTestServer, resources: Resources): Promise<SockJsStomp> {
    const ws = await WsClient.open(wsUrl(server.http.baseUrl, sockjsWsPath('/stomp')));
    resources.add(ws, (client) => client.close());
    const stomp = new SockJsStomp(ws);
    assert.equal(await ws.message(0, 'the SockJS open frame'), 'o');
    return stomp;
  }

  /** STOMP text as one SockJS message. */
  send(text: string): void {
    this.ws.send(JSON.stringify([text]));
  }

  async next(what: string, ms = DEFAULT_WAIT_MS): Promise<StompFrame> {
    const items = await this.frames.waitForCount(this.cursor + 1, what, ms);
    return items[this.cursor++] as StompFrame;
  }

  private read(frame: string): void {
    if (frame === 'o') return;
    if (frame === 'h') this.sockjsHeartbeats.push(Date.now());
    else if (frame.startsWith('c[')) this.closeFrames.push(frame);
    else {
      for (const message of messagesOf(frame)) {
        for (const item of this.decoder.push(message)) {
          if (item.type === 'frame') this.frames.push(item.frame);
          else this.stompHeartBeats.push(Date.now());
        }
      }
    }
  }
}

/** A CONNECT frame's wire text (1.2 names; no escapes in CONNECT). */
export function connectText(headers: Record<string, string>, command = 'CONNECT'): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}:${value}\n`);
  return `${command}\n${lines.join('')}\n\0`;
}
