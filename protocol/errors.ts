/**
 * The one error catalogue. Every error the library raises or reports carries a stable `code`;
 * errors that answer an HTTP request also carry the status and the exact body the protocol expects.
 * The entries the browser client can raise are in ./error-class.ts (CLIENT_ERRORS), with the class:
 * a browser bundle of the client carries those, not the server's and STOMP's.
 */
import { CLIENT_ERRORS, SockJsError, useCatalogue, type ErrorEntry } from './error-class';

export const ERROR_CATALOGUE = {
  ...CLIENT_ERRORS,
  ERR_CLIENT_SCRIPT_MISSING: { status: 0, message: 'sockjs-client is not installed' },
  ERR_REDIS_MISSING: { status: 0, message: 'redis is not installed' },
  ERR_CLUSTER_ROLE: { status: 0, message: 'Not the node:cluster process this call is for' },
  ERR_NOT_FOUND: { status: 404, message: '404 Error: Page not found\n' },
  ERR_SESSION_NOT_FOUND: { status: 404, message: '404 Error: Page not found\n' },
  ERR_PAYLOAD_EXPECTED: { status: 500, message: 'Payload expected.' },
  ERR_BROKEN_JSON: { status: 500, message: 'Broken JSON encoding.' },
  ERR_CALLBACK_REQUIRED: { status: 500, message: '"callback" parameter required' },
  ERR_CALLBACK_INVALID: { status: 500, message: 'invalid "callback" parameter' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'Payload too large.' },
  ERR_UNSUPPORTED_CONTENT_TYPE: {
    status: 415,
    message: 'Unsupported content type; send the messages as a text/plain JSON array.',
  },
  ERR_BODY_ABORTED: { status: 400, message: 'Request body aborted.' },
  ERR_BODY_TIMEOUT: { status: 408, message: 'Request body too slow.' },
  ERR_TOO_MANY_SESSIONS: { status: 503, message: 'Too many sessions.' },
  // A closing (draining) endpoint's answer to a new session: the client or load balancer goes to another node.
  ERR_ENDPOINT_CLOSING: { status: 503, message: 'Server shutting down.' },
  ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'Origin not allowed' },
  ERR_HANDSHAKE_REFUSED: { status: 403, message: 'Handshake refused' },
  ERR_HANDSHAKE_FAILED: { status: 500, message: 'Handshake failed' },
  ERR_NOT_WEBSOCKET: { status: 400, message: 'Not a valid websocket request' },
  ERR_WEBSOCKET_VERSION: { status: 400, message: 'Only supported WebSocket protocol is RFC 6455.' },
  ERR_UPGRADE_HTTP_VERSION: { status: 400, message: 'WebSocket upgrades need HTTP/1.1.' },
  ERR_RESUME_INVALID: { status: 400, message: 'Invalid resume request.' },
  ERR_RESUME_SEQUENCE: { status: 400, message: 'Resume sequence out of range.' },
  ERR_BROKEN_FRAMING: { status: 0, message: 'Broken framing.' },
  ERR_HANDLER_FAILED: { status: 0, message: 'The session handler threw' },
  ERR_TRANSPORT: { status: 0, message: 'Transport failure' },
  // STOMP protocol errors: the message (with its detail) is meant for an ERROR frame's `message` header.
  ERR_STOMP_UNKNOWN_COMMAND: { status: 0, message: 'Unknown STOMP command' },
  ERR_STOMP_BAD_ESCAPE: { status: 0, message: 'Bad STOMP header escape' },
  ERR_STOMP_CONTENT_LENGTH: { status: 0, message: 'Bad STOMP content-length' },
  ERR_STOMP_FRAME_TOO_LARGE: { status: 0, message: 'STOMP frame too large' },
  ERR_STOMP_TOO_MANY_HEADERS: { status: 0, message: 'Too many STOMP headers' },
  ERR_STOMP_HEADER_TOO_LONG: { status: 0, message: 'STOMP header line too long' },
  ERR_STOMP_MALFORMED: { status: 0, message: 'Malformed STOMP frame' },
  // STOMP session errors (server/stomp): each ends in an ERROR frame whose `message` is this text and its detail.
  ERR_STOMP_NOT_CONNECTED: { status: 0, message: 'Expected a CONNECT frame first' },
  ERR_STOMP_ALREADY_CONNECTED: { status: 0, message: 'Already connected' },
  ERR_STOMP_NO_VERSION: { status: 0, message: 'No STOMP version in common' },
  ERR_STOMP_MISSING_HEADER: { status: 0, message: 'Missing STOMP header' },
  ERR_STOMP_DESTINATION: { status: 0, message: 'Bad STOMP destination' },
  ERR_STOMP_SUBSCRIPTION: { status: 0, message: 'Bad STOMP subscription' },
  ERR_STOMP_ACK: { status: 0, message: 'Bad STOMP acknowledgement' },
  ERR_STOMP_TRANSACTION: { status: 0, message: 'Bad STOMP transaction' },
  ERR_STOMP_LIMIT: { status: 0, message: 'STOMP limit exceeded' },
  ERR_STOMP_REFUSED: { status: 0, message: 'Refused' },
  ERR_STOMP_CONNECT_TIMEOUT: { status: 0, message: 'No CONNECT frame in time' },
  ERR_STOMP_HEARTBEAT_TIMEOUT: { status: 0, message: 'Heart-beat missed' },
  ERR_STOMP_SLOW_CONSUMER: { status: 0, message: 'Slow consumer' },
  ERR_STOMP_HANDLER_FAILED: { status: 0, message: 'Message handler failed' },
  ERR_STOMP_BROKER_UNAVAILABLE: { status: 0, message: 'Message broker not available' },
  ERR_STOMP_BROKER_REFUSED: { status: 0, message: 'Message broker refused the session' },
} as const satisfies Record<string, ErrorEntry>;

export type SockJsErrorCode = keyof typeof ERROR_CATALOGUE;

// Every SockJsError made from now on finds its entry, whichever part of the catalogue it is in.
useCatalogue(ERROR_CATALOGUE);

export { SockJsError };

export function isSockJsError(value: unknown): value is SockJsError {
  return value instanceof SockJsError;
}
