import { SockJsError } from '../../protocol';

export const TEXT_PLAIN = 'text/plain;charset=UTF-8';
export const APPLICATION_JSON = 'application/json';

/** A payload as a STOMP body: a string goes as text, anything else as JSON (Spring's message converters). */
export function toBody(payload: unknown, contentType?: string): { body: string; contentType: string } {
  if (typeof payload === 'string') return { body: payload, contentType: contentType ?? TEXT_PLAIN };
  if (payload === undefined || typeof payload === 'function' || typeof payload === 'symbol') {
    throw new SockJsError('ERR_STOMP_MALFORMED', `a ${typeof payload} payload cannot be sent`);
  }
  if (payload instanceof Uint8Array) {
    throw new SockJsError('ERR_STOMP_MALFORMED', 'binary payloads cannot be sent: STOMP bodies here are text');
  }
  return { body: JSON.stringify(payload), contentType: contentType ?? APPLICATION_JSON };
}

/** `application/json` and every `+json` type, parameters aside. */
export function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = (contentType.split(';')[0] as string).trim().toLowerCase();
  return type === APPLICATION_JSON || type.endsWith('+json');
}

/** A body as its content type says: parsed JSON, else the text. Bad JSON is ERR_STOMP_MALFORMED. */
export function fromBody(body: string, contentType: string | undefined): unknown {
  if (!isJson(contentType)) return body;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new SockJsError('ERR_STOMP_MALFORMED', `the body is not the JSON its content-type says`, { cause: error });
  }
}
