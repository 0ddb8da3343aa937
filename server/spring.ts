/**
 * `sockjs-ts-server/spring`: the Spring-model pieces alone — the registry, the handler decorators and
 * the handshake interceptors. `.` (server/index) exports them too; this entry is for code that wants
 * to say which model it uses.
 */
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
export type {
  Handshake,
  HandshakeDecision,
  HandshakeInterceptor,
  HandshakeRefusal,
  PrincipalResolver,
} from './handshake';
export {
  HTTP_SESSION_ID,
  httpSessionInterceptor,
  type HttpSessionInterceptorOptions,
  type SessionMiddleware,
} from './interceptors/http-session';
