/**
 * The eventsource transport: `<session>/eventsource`, one frame per event's data; messages go by
 * xhr_send. An EventSource reconnects by itself after any error; here it is closed instead, and a
 * new one opened for the same session only when the last one had carried frames (the server ends
 * each stream at its response limit): one that fails before any frame is a lost connection.
 */
import { parseFrame } from '../../protocol/frames';
import type { EventSourceLike } from '../platform';
import { HttpSender } from './http-sender';
import { LOST, type OpenTransport } from './types';

/**
 * Event data cannot carry CR, LF or NUL: SockJS servers send them (and `%`, so that it can be told
 * apart) percent-escaped. Only those four are undone: sockjs-client's decodeURI would also throw on
 * a lone `%` from a server that escapes nothing.
 */
const ESCAPED = /%(25|0d|0a|00)/gi;

function unescapeData(data: string): string {
  return data.includes('%') ? data.replace(ESCAPED, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : data;
}

export const openEventSource: OpenTransport = (context) => {
  const { sessionUrl, query, receiveQuery, hooks, EventSource } = context;
  if (!EventSource) throw new TypeError('no EventSource constructor');
  const Source = EventSource;
  let ended = false;
  let source: EventSourceLike | undefined;
  const stop = (code?: number, reason?: string): void => {
    ended = true;
    source?.close();
    sender.stop(code, reason);
  };
  const end = (code: number, reason: string): void => {
    if (ended) return;
    stop();
    hooks.end(code, reason);
  };
  const sender = new HttpSender(`${sessionUrl}/xhr_send${query}`, context, end);
  const listen = (): void => {
    // Typed loosely (see platform.ts); every implementation has these members.
    const current = new Source(`${sessionUrl}/eventsource${receiveQuery()}`) as EventSourceLike;
    source = current;
    let carried = false;
    current.onmessage = (event) => {
      carried = true;
      try {
        hooks.frame(parseFrame(unescapeData(event.data)));
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        end(1002, 'Broken framing');
      }
    };
    current.onerror = () => {
      current.close();
      if (ended) return;
      if (carried) listen();
      else end(LOST.code, `${LOST.reason} (eventsource)`);
    };
  };
  listen();
  return {
    send: (message) => sender.send(message),
    ack: () => sender.ack(),
    close: stop,
    takeUnsent: () => sender.takeUnsent(),
  };
};
