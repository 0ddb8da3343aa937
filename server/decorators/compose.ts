import type { SockJsHandler } from '../handler';
import { inheritSessionView } from './session-view';

/** Wraps a handler in another (Spring's `WebSocketHandlerDecorator`). */
export type HandlerDecorator = (handler: SockJsHandler) => SockJsHandler;

/**
 * Applies decorators to a handler, the first one outermost:
 * `decorate(app, logging(log), exceptionHandling())` logs what reaches `exceptionHandling`.
 */
export function decorate(handler: SockJsHandler, ...decorators: HandlerDecorator[]): SockJsHandler {
  return decorators.reduceRight<SockJsHandler>((inner, decorator) => {
    const outer = decorator(inner);
    // A decorator that does not wrap sessions itself (yours, say) passes the inner view on.
    inheritSessionView(outer, inner);
    return outer;
  }, handler);
}
