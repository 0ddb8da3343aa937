import type { IncomingMessage } from 'node:http';
import type { SockJsSession } from '../handler';
import type { TransportName } from '../../protocol';
import { HTTP_SESSION_ID } from '../interceptors/http-session';
import type { ResolvedOptions } from '../options';
import type { SessionUse } from '../../transports';

/**
 * A session id is a bearer token in a URL: whoever learns it could read or inject messages. A
 * follow-up request must use the session's own transport kind and come from the same client.
 */
export function admits(
  session: SockJsSession & { readonly resumable?: boolean },
  req: IncomingMessage,
  use: SessionUse,
  binding: ResolvedOptions['sessionBinding'],
): boolean {
  const kind = session.resumable === true ? resumableUse(use) : sameKind(session.transport, use);
  return kind && sameClient(session, req, binding);
}

/** A resumable session may come back on another of the transports our client speaks. */
function resumableUse(use: SessionUse): boolean {
  return (
    use === 'websocket' ||
    use === 'xhr-streaming' ||
    use === 'eventsource' ||
    use === 'xhr-polling' ||
    use === 'xhr_send'
  );
}

function sameKind(transport: TransportName, use: SessionUse): boolean {
  if (use === 'jsonp_send') return transport === 'jsonp-polling';
  if (use === 'xhr_send')
    return transport !== 'jsonp-polling' && transport !== 'websocket' && transport !== 'websocket-raw';
  return use === transport;
}

function sameClient(session: SockJsSession, req: IncomingMessage, binding: ResolvedOptions['sessionBinding']): boolean {
  if (binding === 'none') return true;
  if (typeof binding === 'function') return binding(session, req);
  if (binding === 'auto') {
    const httpSession = session.attributes.get(HTTP_SESSION_ID);
    const requestSession = (req as IncomingMessage & { sessionID?: unknown }).sessionID;
    if (httpSession !== undefined && requestSession !== undefined) return httpSession === requestSession;
  }
  return session.remoteAddress === (req.socket.remoteAddress ?? '');
}
