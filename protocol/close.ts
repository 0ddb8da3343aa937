/**
 * Close codes and the close reasons this library sends itself. SockJS reuses the WebSocket close
 * codes (RFC 6455 §7.4) and adds its own in the 2000 and 3000 ranges.
 */

/** Close codes this library uses itself. Applications use 1000 or 3000–4999. */
export const CloseCode = {
  /** `session.close()` without a code, or a client's clean close. */
  NORMAL: 1000,
  /** The endpoint is shutting down, or the session was idle too long. */
  GOING_AWAY: 1001,
  /** A receiving HTTP response was dropped mid-way: frames on it may be lost. */
  INTERRUPTED: 1002,
  /** A binary message reached a handler without `onBinaryMessage`. */
  UNSUPPORTED_DATA: 1003,
  /** The client's websocket closed without a status code. */
  NO_STATUS: 1005,
  /** No receiver came back within `disconnectDelay`, or no pong came: the client is gone without a close. */
  CONNECTION_LOST: 1006,
  /** A message over the endpoint's size limit. */
  MESSAGE_TOO_BIG: 1009,
  /** A handler callback threw or rejected, or the transport failed. */
  SERVER_ERROR: 1011,
  /** A second receiving request for a session that already has one (SockJS). */
  ANOTHER_CONNECTION: 2010,
  /** Resume extension: the session a client came back for is gone, or cannot resume from where the client is. */
  NOT_RESUMABLE: 2011,
  /** The client sent something that is not SockJS framing. */
  BROKEN_FRAMING: 3000,
  /** A send limit was crossed (Spring's SESSION_NOT_RELIABLE). */
  SESSION_NOT_RELIABLE: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** How a session or connection ended: the code and reason of its close frame. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** The closes this library sends, each with its one reason text. */
export const Close = {
  NORMAL: { code: CloseCode.NORMAL, reason: 'Normal closure' },
  GOING_AWAY: { code: CloseCode.GOING_AWAY, reason: 'Going away' },
  IDLE: { code: CloseCode.GOING_AWAY, reason: 'Idle timeout' },
  INTERRUPTED: { code: CloseCode.INTERRUPTED, reason: 'Connection interrupted' },
  TEXT_ONLY: { code: CloseCode.UNSUPPORTED_DATA, reason: 'Text only' },
  NO_BINARY_HANDLER: { code: CloseCode.UNSUPPORTED_DATA, reason: 'Binary messages not supported' },
  CONNECTION_LOST: { code: CloseCode.CONNECTION_LOST, reason: 'Connection lost' },
  NO_PONG: { code: CloseCode.CONNECTION_LOST, reason: 'No pong' },
  MESSAGE_TOO_BIG: { code: CloseCode.MESSAGE_TOO_BIG, reason: 'Message too big' },
  SERVER_ERROR: { code: CloseCode.SERVER_ERROR, reason: 'Server error' },
  TRANSPORT_ERROR: { code: CloseCode.SERVER_ERROR, reason: 'Transport error' },
  ANOTHER_CONNECTION: { code: CloseCode.ANOTHER_CONNECTION, reason: 'Another connection still open' },
  NOT_RESUMABLE: { code: CloseCode.NOT_RESUMABLE, reason: 'Session not resumable' },
  BROKEN_FRAMING: { code: CloseCode.BROKEN_FRAMING, reason: 'Broken framing.' },
  QUEUE_OVERFLOW: { code: CloseCode.SESSION_NOT_RELIABLE, reason: 'Send queue overflow' },
} as const satisfies Record<string, CloseInfo>;

/** Codes a close frame may carry: 1005, 1006 and 1015 are reserved for reports, never sent. */
export function isValidCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999))
  );
}
