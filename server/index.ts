export { createEndpoint, type NextFunction, type SockJsEndpoint } from './endpoint';
export { CLOSE_DEFAULTS, DEFAULTS, type EndpointOptions } from './options';
export type { EndpointStats, RefusalReason, TransportStats } from './stats';
export { CloseCode, ReadyState, isValidCloseCode, type CloseInfo, type TransportName } from '../protocol';
export { type Logger, type Principal, type SockJsHandler, type SockJsSession } from './handler';
export { ERROR_CATALOGUE, SockJsError, isSockJsError, type SockJsErrorCode } from '../protocol';
// The Spring model (registry, decorators, interceptors) is also its own entry, `./spring`.
export * from './spring';
