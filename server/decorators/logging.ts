import type { Logger, SockJsHandler, SockJsSession } from '../handler';
import type { HandlerDecorator } from './compose';
import { inheritSessionView } from './session-view';

function about(session: SockJsSession): object {
  return { session: session.id, transport: session.transport, user: session.principal?.name };
}

/**
 * Logs every callback (Spring's `LoggingWebSocketHandlerDecorator`): open and close at info,
 * messages at debug, errors at warn, through any pino-compatible logger.
 */
export function logging(logger: Logger): HandlerDecorator {
  return (inner: SockJsHandler): SockJsHandler => {
    const outer: SockJsHandler = {
      onOpen(session) {
        logger.info(about(session), 'session opened');
        return inner.onOpen?.(session);
      },
      onMessage(session, message) {
        logger.debug({ ...about(session), bytes: message.length }, 'message');
        return inner.onMessage?.(session, message);
      },
      onBinaryMessage: inner.onBinaryMessage
        ? (session, data) => {
            logger.debug({ ...about(session), bytes: data.length }, 'binary message');
            return inner.onBinaryMessage?.(session, data);
          }
        : undefined,
      onDrain: inner.onDrain ? (session) => inner.onDrain?.(session) : undefined,
      onTransportError(session, error) {
        logger.warn({ ...about(session), err: error }, 'transport error');
        return inner.onTransportError?.(session, error);
      },
      onClose(session, info) {
        logger.info({ ...about(session), code: info.code, reason: info.reason }, 'session closed');
        return inner.onClose?.(session, info);
      },
    };
    // It wraps callbacks, not sessions: sessions are seen as `inner` sees them.
    inheritSessionView(outer, inner);
    return outer;
  };
}
