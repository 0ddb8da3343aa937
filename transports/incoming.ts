import { decodeMessages, isSockJsError, SockJsError } from '../protocol';
import { mediaType, readBody } from './http/body';
import { sendError } from './http/respond';
import { anyTooBig } from './message-size';
import type { TransportRequest, TransportSession } from './types';

/**
 * The one receiving path of the HTTP transports (xhr_send, jsonp_send): read the body within
 * `maxRequestBytes`, take the JSON out of it, decode, check each message against
 * `maxTextMessageBytes`, find the session, deliver each message in order. Answers errors itself;
 * resolves true when the messages were delivered.
 */
export async function receive(
  request: TransportRequest,
  use: 'xhr_send' | 'jsonp_send',
  extractJson: (contentType: string, body: string) => string,
): Promise<boolean> {
  const { req, res, host, sessionId } = request;
  let body: string;
  try {
    body = await readBody(req, res, host.options.maxRequestBytes, host.options.bodyTimeout);
  } catch (error) {
    if (!isSockJsError(error)) throw error;
    sendError(res, error);
    return false;
  }
  const failure = deliver(host.find(sessionId, req, use), host.options.maxTextMessageBytes, extractJson(mediaType(req), body));
  if (failure) sendError(res, failure);
  return failure === undefined;
}

function deliver(session: TransportSession | 'refused' | undefined, maxMessageBytes: number, payload: string): SockJsError | undefined {
  const decoded = decodeMessages(payload);
  if (!decoded.ok) {
    return new SockJsError(decoded.problem === 'empty' ? 'ERR_PAYLOAD_EXPECTED' : 'ERR_BROKEN_JSON');
  }
  if (anyTooBig(decoded.messages, maxMessageBytes)) {
    return new SockJsError('ERR_PAYLOAD_TOO_LARGE', `a message is over ${maxMessageBytes} bytes`);
  }
  if (session === undefined || session === 'refused') return new SockJsError('ERR_SESSION_NOT_FOUND');
  session.deliver(decoded.messages);
  return undefined;
}
