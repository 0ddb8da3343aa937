export { createEndpoint, type NextFunction, type SockJsEndpoint } from './endpoint';
export { DEFAULTS, type EndpointOptions } from './options';
export {
  CloseCode,
  ReadyState,
  type CloseInfo,
  type Logger,
  type SockJsHandler,
  type SockJsSession,
  type TransportName,
} from './handler';
export { ERROR_CATALOGUE, SockJsError, isSockJsError, type SockJsErrorCode } from './errors';
