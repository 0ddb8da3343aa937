import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeMessages, isSockJsError, parseClientClose, parseResumeBatch, SockJsError } from '../protocol';
import { mediaType, readBody } from './http/body';
import { sendError } from './http/respond';
import { anyTooBig } from './message-size';
import type { TransportRequest, TransportSession } from './types';

type SendUse = 'xhr_send' | 'jsonp_send';

/** How a send transport takes the JSON out of a request body. */
export interface BodyFormat {
  /** The media types it takes: lowercased, without parameters; '' for none given. */
  readonly types: ReadonlySet<string>;
  /** The JSON of a body of one of those types ('' for none). */
  json(contentType: string, body: string): string;
}

/**
 * The one receiving path of the HTTP transports (xhr_send, jsonp_send). Checks first what needs no
 * body — the session (404 whatever the body), the content type (415), the declared size (413) —
 * then reads the body within `maxRequestBytes`, takes the JSON out of it, decodes, checks each
 * message against `maxTextMessageBytes` and delivers them in order. Answers errors itself; resolves
 * true when the messages were delivered.
 */
export async function receive(request: TransportRequest, use: SendUse, format: BodyFormat): Promise<boolean> {
  const { req, res, host, sessionId } = request;
  if (!isSession(host.find(sessionId, req, use)))
    return refuseUnread(req, res, new SockJsError('ERR_SESSION_NOT_FOUND'));
  const type = mediaType(req);
  if (!format.types.has(type)) return refuseUnread(req, res, unsupportedType(request, use, format, type));
  let body: string;
  try {
    body = await readBody(req, res, host.options.maxRequestBytes, host.options.bodyTimeout);
  } catch (error) {
    if (!isSockJsError(error)) throw error;
    sendError(res, error);
    return false;
  }
  // Looked up again: the session may have closed while the body arrived.
  const failure = deliver(host.find(sessionId, req, use), host.options.maxTextMessageBytes, format.json(type, body));
  if (failure) sendError(res, failure);
  return failure === undefined;
}

/** The refusal of a body type the transport does not take, reported to the endpoint's logger. */
function unsupportedType(request: TransportRequest, use: SendUse, format: BodyFormat, type: string): SockJsError {
  const takes = [...format.types].filter((known) => known !== '').join(', ');
  const error = new SockJsError('ERR_UNSUPPORTED_CONTENT_TYPE', `${use} takes ${takes} or none, got ${type}`);
  // The wrong type is a client bug (`curl -d` sends a form): said where the client's author looks.
  // At info: the mistake is the client's, and any client can repeat it (a warning per request would
  // let one flood the log); the client itself is told in the body.
  request.host.options.logger.info({ code: error.code, contentType: type, url: request.req.url }, error.message);
  return error;
}

function isSession(found: TransportSession | 'refused' | undefined): found is TransportSession {
  return found !== undefined && found !== 'refused';
}

/**
 * Answers before the body was read. The connection then closes: Node would otherwise read the whole
 * body (whatever its size) to reuse the connection, and a client waiting for `100 Continue` never
 * sends it.
 */
function refuseUnread(req: IncomingMessage, res: ServerResponse, error: SockJsError): false {
  const declared = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (declared) res.setHeader('Connection', 'close');
  sendError(res, error);
  return false;
}

function deliver(
  session: TransportSession | 'refused' | undefined,
  maxMessageBytes: number,
  body: string,
): SockJsError | undefined {
  // A resumable session's client numbers its batches (`r<seq>,<ack>[...]`) and says when it
  // closes (`c[code,"reason"]`): see docs/resume.md.
  const resumable = isSession(session) && session.resumable;
  const closing = resumable ? parseClientClose(body) : undefined;
  if (closing && isSession(session)) return void session.closedByClient(closing.code, closing.reason);
  const batch = resumable ? parseResumeBatch(body) : undefined;
  const payload = batch ? batch.payload : body;
  const decoded = decodeMessages(payload);
  if (!decoded.ok) {
    return new SockJsError(decoded.problem === 'empty' ? 'ERR_PAYLOAD_EXPECTED' : 'ERR_BROKEN_JSON');
  }
  if (anyTooBig(decoded.messages, maxMessageBytes)) {
    return new SockJsError('ERR_PAYLOAD_TOO_LARGE', `a message is over ${maxMessageBytes} bytes`);
  }
  if (!isSession(session)) return new SockJsError('ERR_SESSION_NOT_FOUND');
  if (batch) return session.deliverBatch(batch.seq, batch.ack, decoded.messages, false);
  session.deliver(decoded.messages);
  return undefined;
}
