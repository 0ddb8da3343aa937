/**
 * Our own client (client/connection.ts) in the tests: a SockJsSocket with Node's drivers injected
 * (`ws` for websocket, the `eventsource` package for eventsource; fetch is Node's own) and every
 * event it emits recorded, to wait on.
 */
import NodeEventSource from 'eventsource';
import WebSocket from 'ws';
import { SockJsSocket, type SockJsEventMap, type SockJsSocketOptions } from '../../client';
import { Events } from './events';
import { MIXED_UNIT, sized } from './messages';
import type { Resources } from './resources';

export { NodeEventSource };

export type RecordedEvent = { [K in keyof SockJsEventMap]: SockJsEventMap[K] }[keyof SockJsEventMap];

export class RecordedSocket {
  readonly events = new Events<RecordedEvent>();
  readonly messages = new Events<string>();

  constructor(readonly socket: SockJsSocket) {
    for (const type of ['open', 'close', 'heartbeat', 'reconnecting', 'reconnected', 'transport'] as const) {
      socket.addEventListener(type, (event) => this.events.push(event));
    }
    socket.onmessage = (event) => this.messages.push(event.data);
  }

  /** Waits for the next event of `type` after `from` (default: any so far). */
  next<K extends keyof SockJsEventMap>(type: K, ms?: number, from = 0): Promise<SockJsEventMap[K]> {
    return this.events.waitFor((e) => e.type === type, `a ${type} event`, ms, from) as Promise<SockJsEventMap[K]>;
  }

  opened(ms?: number): Promise<SockJsEventMap['open']> {
    return this.next('open', ms);
  }
}

/** A SockJsSocket to `url` with Node's drivers, closed (if still live) after the tests. */
export function openOwnSocket(url: string, resources: Resources, options: SockJsSocketOptions = {}): RecordedSocket {
  const socket = new SockJsSocket(url, { WebSocket, EventSource: NodeEventSource, ...options });
  resources.add(socket, (s) => {
    if (s.readyState !== SockJsSocket.CLOSED) s.close();
  });
  return new RecordedSocket(socket);
}

/** Messages that stress escaping and framing, then sizes across the prelude and chunk boundaries. */
const EDGE_CASES = [
  '',
  'plain ascii',
  '"quotes" \'and\' back\\slash \\u0041',
  'emoji 😀👩‍👩‍👧 astral 𝕏',
  'separators \u2028 \u2029, specials \ufff0 \ufffe \uffff, zero-width \u200b\u200d\u200f, BOM \ufeff',
  'controls \u0000\u0001\t\n\r\u001f\u007f',
  '\n',
  'a["frame-like"]',
  'c[3000,"Go away!"]',
  'o',
  'h',
  'percent %25 %0A %0d %00 %zz 100% and plus + &d=x',
  '{"json": [1, 2, {"x": null}]}',
  '\ud800 lone surrogates \udfff',
  'x'.repeat(65_536),
  sized(MIXED_UNIT, 20_000),
];

export function messagesToEcho(): string[] {
  const messages = [...EDGE_CASES];
  for (let i = 0; messages.length < 300; i++) messages.push(`${i}:${sized(i % 2 ? MIXED_UNIT : 'y', (i * 97) % 3000)}`);
  return messages;
}
