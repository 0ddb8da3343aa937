/** When to try again after a connection is lost: jittered exponential backoff. */

export interface Backoff {
  /** Ms before the first attempt. */
  readonly minReconnectDelay: number;
  /** Ms no delay exceeds. */
  readonly maxReconnectDelay: number;
  /** Each attempt waits this many times longer than the one before. */
  readonly reconnectFactor: number;
  /** Fraction (0–1) of each delay taken off at random, so that clients cut off together do not return together. */
  readonly reconnectJitter: number;
}

/** The delay before attempt `attempt` (1, 2, ...): min·factor^(attempt−1), capped at max, less up to `jitter` of it. */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const full = Math.min(
    backoff.maxReconnectDelay,
    backoff.minReconnectDelay * backoff.reconnectFactor ** (attempt - 1),
  );
  return Math.round(full * (1 - backoff.reconnectJitter * random()));
}

/**
 * Close codes after which the client reconnects: the server going away or restarting, a lost or
 * interrupted connection, a server error, "try again later". Any other code in a close frame (1000,
 * the application's 3000–4999, 2010 "another connection") is the server's decision, and final.
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([1001, 1002, 1006, 1011, 1012, 1013, 1014]);

export function isTransientClose(code: number): boolean {
  return TRANSIENT_CODES.has(code);
}
