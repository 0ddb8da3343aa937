/** Names of the transports, as sockjs-client names them (plus the raw websocket endpoint). */
export type TransportName =
  'websocket' | 'websocket-raw' | 'xhr-streaming' | 'xhr-polling' | 'eventsource' | 'htmlfile' | 'jsonp-polling';

/** Ready states, numbered as the WebSocket API numbers them (sessions on the server, sockets on the client). */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];
