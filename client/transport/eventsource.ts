/**
 * The eventsource transport: `<session>/eventsource`, one frame per event's data; messages go by
 * xhr_send. An EventSource reconnects by itself after any error; here it is closed instead, and a
 * new one opened for the same session only when the last one had carried frames (the server ends
 * each stream at its response limit): one that fails before any frame is a lost connection.
 */
import type { EventSourceLike } from '../platform';
import { openHttpTransport } from './http-sender';
import { deliverFrame, endLost, type OpenTransport } from './types';

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
  const { sessionUrl, receiveQuery, hooks, EventSource } = context;
  if (!EventSource) throw new TypeError('no EventSource constructor');
  const Source = EventSource;
  return openHttpTransport(context, (end) => {
    let stopped = false;
    let source: EventSourceLike | undefined;
    const listen = (): void => {
      // Typed loosely (see platform.ts); every implementation has these members.
      const current = new Source(`${sessionUrl}/eventsource${receiveQuery()}`) as EventSourceLike;
      source = current;
      let carried = false;
      current.onmessage = (event) => {
        carried = true;
        deliverFrame(unescapeData(event.data), hooks.frame, end);
      };
      current.onerror = () => {
        current.close();
        if (stopped) return;
        if (carried) listen();
        else endLost(end, 'eventsource');
      };
    };
    listen();
    return () => {
      stopped = true;
      source?.close();
    };
  });
};
