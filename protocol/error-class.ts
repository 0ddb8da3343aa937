/**
 * SockJsError, and the part of the catalogue (protocol/errors.ts) the browser client can raise.
 * The class finds an error's message and status in the catalogue in use: these entries alone until
 * protocol/errors.ts loads and puts the whole catalogue in use (everything importing `protocol/` by
 * its index does). So a browser bundle of the client carries a few entries, not all of them.
 */
import type { SockJsErrorCode } from './errors';

export interface ErrorEntry {
  readonly status: number;
  readonly message: string;
}

/** Entries of the catalogue that client/ raises (protocol/errors.ts spreads them into ERROR_CATALOGUE). */
export const CLIENT_ERRORS = {
  ERR_INVALID_OPTION: { status: 0, message: 'Invalid option' },
  ERR_BINARY_UNSUPPORTED: { status: 0, message: 'SockJS sessions carry text only' },
  ERR_INVALID_CLOSE_CODE: { status: 0, message: 'Close codes are 1000-1003, 1007-1014 or 3000-4999' },
  ERR_INVALID_CLOSE_REASON: { status: 0, message: 'Close reasons are at most 123 bytes of UTF-8' },
  ERR_CLIENT_QUEUE_FULL: { status: 0, message: 'Send queue full while offline' },
  ERR_CLIENT_CLOSED: { status: 0, message: 'The SockJS connection is closed' },
} as const satisfies Record<string, ErrorEntry>;

let catalogue: Readonly<Record<string, ErrorEntry>> = CLIENT_ERRORS;

/** Puts the whole catalogue in use (protocol/errors.ts does, once). */
export function useCatalogue(whole: Readonly<Record<SockJsErrorCode, ErrorEntry>>): void {
  catalogue = whole;
}

/** The entry of `code`; a code whose part is not loaded (cannot happen through protocol/'s index) keeps its code as message. */
function entryOf(code: SockJsErrorCode): ErrorEntry {
  return catalogue[code] ?? { status: 0, message: code };
}

export class SockJsError extends Error {
  readonly code: SockJsErrorCode;
  /** HTTP status to answer with, or 0 when the error does not answer a request. */
  readonly status: number;

  constructor(code: SockJsErrorCode, detail?: string, options?: { cause?: unknown }) {
    const entry = entryOf(code);
    super(detail === undefined ? entry.message : `${entry.message}: ${detail}`, options);
    this.name = 'SockJsError';
    this.code = code;
    this.status = entry.status;
  }

  /** The exact response body the protocol expects for this error. */
  get body(): string {
    return entryOf(this.code).message;
  }
}
