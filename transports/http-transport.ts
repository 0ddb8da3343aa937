import {
  Close,
  closeFrame,
  RESUME_MIN_ID_LENGTH,
  RESUME_NEW,
  resumeParameter,
  SockJsError,
  type TransportName,
} from '../protocol';
import type { Receiver } from './receiver';
import { sendError } from './http/respond';
import { FrameFormat, HttpReceiver, type HttpReceiverSpec } from './http-receiver';
import type { TransportRequest, TransportSession } from './types';

/**
 * Opens a receiving response: status and headers, the transport's prelude, then the session takes
 * it (the first one opens the session, a second concurrent one gets `c[2010,...]`). With the resume
 * extension on, `?resume=new` opens a resumable session and `?resume=<count>` takes one up again.
 */
export function openReceiver(
  request: TransportRequest,
  spec: HttpReceiverSpec,
  contentType: string,
  prelude?: string,
): void | Promise<void> {
  const { req, res, host, sessionId } = request;
  const resume = host.options.resumeWindow > 0 ? resumeParameter(request.query) : undefined;
  if (resume === 'invalid') return sendError(res, new SockJsError('ERR_RESUME_INVALID', 'resume=new or a count'));
  const found = host.find(sessionId, req, spec.transport);
  const receiver = (): HttpReceiver => {
    res.setHeader('Content-Type', contentType);
    res.writeHead(200);
    if (prelude !== undefined) res.write(prelude);
    return new HttpReceiver(res, spec, host.options.responseLimit, host.options.onDroppedResponse);
  };
  // A client coming back that `sessionBinding` refuses is told it cannot resume (the session is untouched).
  if (typeof resume === 'number') return resumeOn(found === 'refused' ? undefined : found, receiver(), resume);
  if (found === 'refused') return sendError(res, new SockJsError('ERR_SESSION_NOT_FOUND'));
  const start = (session: TransportSession | undefined): void => {
    // Refused (and answered), or the client left while the handshake ran.
    if (!session || res.destroyed) return;
    session.attach(receiver());
  };
  if (found) return start(found);
  if (resume === RESUME_NEW && sessionId.length < RESUME_MIN_ID_LENGTH) {
    return sendError(res, new SockJsError('ERR_RESUME_INVALID', `session id under ${RESUME_MIN_ID_LENGTH} characters`));
  }
  const opened = host.openSession(sessionId, spec.transport, req, res, resume === RESUME_NEW);
  return opened instanceof Promise ? opened.then(start) : start(opened);
}

/** `?resume=<count>`: the session takes the receiver up, or the client hears that it cannot. */
export function resumeOn(session: TransportSession | undefined, receiver: Receiver, received: number): void {
  if (session?.resumable) return session.resumeWith(receiver, received);
  receiver.sendFrame(closeFrame(Close.NOT_RESUMABLE.code, Close.NOT_RESUMABLE.reason));
  receiver.end();
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
