/**
 * Our SockJS client alone, without the sockjs-client wrapper: the entry of the browser build
 * (dist/client/browser.mjs), which must not pull sockjs-client in.
 */
export { SockJsSocket } from './connection';
export type { SockJsSocketOptions } from './options';
export type {
  SockJsEventMap,
  SockJsEventType,
  SockJsListener,
  SockJsOpenEvent,
  SockJsMessageEvent,
  SockJsCloseEvent as SockJsSocketCloseEvent,
  SockJsHeartbeatEvent,
  SockJsReconnectingEvent,
  SockJsReconnectedEvent,
  SockJsTransportEvent,
} from './events';
export { CLIENT_TRANSPORTS, type ClientTransportName } from './transport/types';
export type { EventSourceConstructor, WebSocketConstructor } from './platform';
