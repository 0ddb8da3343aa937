import { Close } from '../../protocol';
import { type SockJsHandler, type SockJsSession } from '../handler';
import { sessionViewOf, setSessionView } from './session-view';

/**
 * One handler instance per session, made by `create` when the session opens and dropped when it
 * closes (Spring's `PerConnectionWebSocketHandler`): state can live in plain fields.
 */
export function perConnection(create: (session: SockJsSession) => SockJsHandler): SockJsHandler {
  const instances = new WeakMap<SockJsSession, SockJsHandler>();
  const of = (session: SockJsSession): SockJsHandler | undefined => instances.get(session);
  const handler: SockJsHandler = {
    onOpen(session) {
      const instance = create(session);
      instances.set(session, instance);
      return instance.onOpen?.(session);
    },
    onMessage: (session, message) => of(session)?.onMessage?.(session, message),
    onBinaryMessage(session, data) {
      const instance = of(session);
      if (instance?.onBinaryMessage) return instance.onBinaryMessage(session, data);
      session.close(Close.NO_BINARY_HANDLER.code, Close.NO_BINARY_HANDLER.reason);
    },
    onDrain: (session) => of(session)?.onDrain?.(session),
    onTransportError: (session, error) => of(session)?.onTransportError?.(session, error),
    onClose(session, info) {
      const instance = of(session);
      instances.delete(session);
      return instance?.onClose?.(session, info);
    },
  };
  // Each session is seen as its own instance sees it (an instance decorated with sendLimits, say),
  // so that broadcast/sendTo/sendToUser pass through that instance's session wrapper too.
  setSessionView(handler, (session) => {
    const instance = of(session);
    const view = instance && sessionViewOf(instance);
    return view ? view(session) : session;
  });
  return handler;
}
