/**
 * The websocket transport: `<session>/websocket`; each websocket message from the server is one
 * frame, each one sent is a JSON array of messages.
 */
import type { WebSocketLike } from '../platform';
import { deliverFrame, endLost, type OpenTransport, type Transport } from './types';

export const openWebSocket: OpenTransport = ({ sessionUrl, receiveQuery, encode, hooks, WebSocket }) => {
  if (!WebSocket) throw new TypeError('no WebSocket constructor');
  // The constructor is typed loosely (see platform.ts); every implementation has these members.
  const socket = new WebSocket(sessionUrl.replace(/^http/, 'ws') + '/websocket' + receiveQuery()) as WebSocketLike;
  let ended = false;
  const stop = (): void => {
    ended = true;
    socket.onmessage = socket.onclose = socket.onopen = null;
  };
  const end = (code: number, reason: string): void => {
    if (ended) return;
    stop();
    hooks.end(code, reason);
  };
  socket.onmessage = (event) => {
    if (typeof event.data !== 'string') return end(1002, 'Binary data on a SockJS websocket');
    deliverFrame(event.data, hooks.frame, end);
  };
  socket.onclose = (event) => endLost(end, `websocket closed, ${event.code}`);
  socket.onerror = () => undefined; // always followed by onclose, which reports it
  const transport: Transport = {
    send: (message) => socket.send(encode([message])),
    ack: () => socket.send(encode([])),
    close: (code, reason) => {
      stop();
      socket.close(code, reason);
    },
    takeUnsent: () => [],
  };
  return transport;
};
