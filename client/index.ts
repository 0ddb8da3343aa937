/**
 * Client-side code: our own SockJS client (`SockJsSocket`), the typed wrapper of the official
 * sockjs-client, and the client half of the SockJS codec (parsing the server's frames, encoding
 * what a client sends). Depends on `protocol/` only, and is compiled without Node's types, so
 * nothing here can need Node.
 */
export {
  isLive,
  openSockJs,
  type SockJsClient,
  type SockJsClientOptions,
  type SockJsCloseEvent,
} from './sockjs-client';
export * from './socket';
export { encodeClientMessages, parseFrame, type Frame } from '../protocol';
export { CloseCode, ReadyState, type CloseInfo } from '../protocol';
