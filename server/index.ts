export { createEndpoint, type NextFunction, type SockJsEndpoint } from './endpoint';
export { CLOSE_DEFAULTS, DEFAULTS, type EndpointOptions } from './options';
export type { EndpointStats, RefusalReason, TransportStats } from './stats';
export { CloseCode, ReadyState, isValidCloseCode, type CloseInfo, type TransportName } from '../protocol';
export { type Logger, type Principal, type SockJsHandler, type SockJsSession } from './handler';
export type {
  Handshake,
  HandshakeDecision,
  HandshakeInterceptor,
  HandshakeRefusal,
  PrincipalResolver,
} from './handshake';
export { ERROR_CATALOGUE, SockJsError, isSockJsError, type SockJsErrorCode } from '../protocol';
export {
  HandlerRegistration,
  WebSocketHandlerRegistry,
  type EngineLimits,
  type MountTarget,
  type SockJsOptions,
} from './registry';
export {
  SessionWrapper,
  decorate,
  exceptionHandling,
  logging,
  perConnection,
  sendLimits,
  type HandlerDecorator,
  type SendLimits,
} from './decorators';
export { setSessionView, type SessionView } from './decorators/session-view';
export {
  HTTP_SESSION_ID,
  httpSessionInterceptor,
  type HttpSessionInterceptorOptions,
  type SessionMiddleware,
} from './interceptors/http-session';
