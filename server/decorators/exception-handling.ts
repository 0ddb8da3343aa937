import { Close, ReadyState, SockJsError } from '../../protocol';
import { type SockJsHandler, type SockJsSession } from '../handler';
import type { HandlerDecorator } from './compose';
import { inheritSessionView } from './session-view';

type Callback<A extends unknown[]> = ((session: SockJsSession, ...args: A) => unknown) | undefined;

/**
 * Any error thrown or rejected by the wrapped handler closes the session with 1011 and reaches
 * its `onTransportError` (Spring's `ExceptionWebSocketHandlerDecorator`). The endpoint does the
 * same for undecorated handlers; this makes it explicit and lets decorators outside it see a
 * handler that never fails.
 */
export function exceptionHandling(): HandlerDecorator {
  return (inner: SockJsHandler): SockJsHandler => {
    const guard = <A extends unknown[]>(callback: Callback<A>): Callback<A> =>
      callback &&
      (async (session, ...args) => {
        try {
          await callback.call(inner, session, ...args);
        } catch (error) {
          await failed(inner, session, error);
        }
      });
    const outer: SockJsHandler = {
      onOpen: guard(inner.onOpen),
      onMessage: guard(inner.onMessage),
      onBinaryMessage: guard(inner.onBinaryMessage),
      onDrain: guard(inner.onDrain),
      onTransportError: inner.onTransportError && ((session, error) => inner.onTransportError?.(session, error)),
      onClose: inner.onClose && ((session, info) => inner.onClose?.(session, info)),
    };
    // It wraps callbacks, not sessions: sessions are seen as `inner` sees them.
    inheritSessionView(outer, inner);
    return outer;
  };
}

async function failed(inner: SockJsHandler, session: SockJsSession, error: unknown): Promise<void> {
  const failure = new SockJsError('ERR_HANDLER_FAILED', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
  if (session.readyState !== ReadyState.OPEN) return;
  session.close(Close.SERVER_ERROR.code, Close.SERVER_ERROR.reason);
  await inner.onTransportError?.(session, failure);
}
