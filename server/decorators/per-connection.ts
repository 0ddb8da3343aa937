import { CloseCode } from '../../protocol';
import { type SockJsHandler, type SockJsSession } from '../handler';

/**
 * One handler instance per session, made by `create` when the session opens and dropped when it
 * closes (Spring's `PerConnectionWebSocketHandler`): state can live in plain fields.
 */
export function perConnection(create: (session: SockJsSession) => SockJsHandler): SockJsHandler {
  const instances = new WeakMap<SockJsSession, SockJsHandler>();
  const of = (session: SockJsSession): SockJsHandler | undefined => instances.get(session);
  return {
    onOpen(session) {
      const instance = create(session);
      instances.set(session, instance);
      return instance.onOpen?.(session);
    },
    onMessage: (session, message) => of(session)?.onMessage?.(session, message),
    onBinaryMessage(session, data) {
      const instance = of(session);
      if (instance?.onBinaryMessage) return instance.onBinaryMessage(session, data);
      session.close(CloseCode.UNSUPPORTED_DATA, 'Binary messages not supported');
    },
    onDrain: (session) => of(session)?.onDrain?.(session),
    onTransportError: (session, error) => of(session)?.onTransportError?.(session, error),
    onClose(session, info) {
      const instance = of(session);
      instances.delete(session);
      return instance?.onClose?.(session, info);
    },
  };
}
