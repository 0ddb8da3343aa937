import { SockJsError, type TransportName } from '../protocol';
import { sendError } from './http/respond';
import { FrameFormat, HttpReceiver, type HttpReceiverSpec } from './http-receiver';
import type { TransportRequest, TransportSession } from './types';

/**
 * Opens a receiving response: status and headers, the transport's prelude, then the session takes
 * it (the first one opens the session, a second concurrent one gets `c[2010,...]`).
 */
export function openReceiver(
  request: TransportRequest,
  spec: HttpReceiverSpec,
  contentType: string,
  prelude?: string,
): void | Promise<void> {
  const { req, res, host, sessionId } = request;
  const found = host.find(sessionId, req, spec.transport);
  if (found === 'refused') return sendError(res, new SockJsError('ERR_SESSION_NOT_FOUND'));
  const start = (session: TransportSession | undefined): void => {
    // Refused (and answered), or the client left while the handshake ran.
    if (!session || res.destroyed) return;
    res.setHeader('Content-Type', contentType);
    res.writeHead(200);
    if (prelude !== undefined) res.write(prelude);
    session.attach(new HttpReceiver(res, spec, host.options.responseLimit, host.options.onDroppedResponse));
  };
  if (found) return start(found);
  const opened = host.openSession(sessionId, spec.transport, req, res);
  return opened instanceof Promise ? opened.then(start) : start(opened);
}

/** Callback names must be plain identifiers: they are written into script responses. */
const CALLBACK = /^[a-zA-Z0-9_.-]{1,32}$/;

/**
 * The `c` (or `callback`) query parameter of jsonp and htmlfile, validated; undefined (and the
 * request answered with the protocol's error) when it is missing or not a plain identifier.
 */
export function callbackParameter(request: TransportRequest): string | undefined {
  const params = new URLSearchParams(request.query);
  const callback = params.get('c') ?? params.get('callback');
  if (callback !== null && callback !== '' && CALLBACK.test(callback)) return callback;
  sendError(
    request.res,
    new SockJsError(callback === null || callback === '' ? 'ERR_CALLBACK_REQUIRED' : 'ERR_CALLBACK_INVALID'),
  );
  return undefined;
}

export function polling(transport: TransportName, format: (frame: string) => string): HttpReceiverSpec {
  return { transport, polling: true, format: new FrameFormat(format) };
}

export function streaming(transport: TransportName, format: (frame: string) => string): HttpReceiverSpec {
  return { transport, polling: false, format: new FrameFormat(format) };
}

/** Frames as one line each: xhr-polling and xhr-streaming. */
export function lineFormat(frame: string): string {
  return frame + '\n';
}
