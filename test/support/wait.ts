/**
 * Bounded waiting helpers. Every wait in the conformance tests has a deadline so
 * that a broken server makes a test fail quickly instead of hanging the run.
 */

/** Default deadline for a single network wait (one response head, one chunk, one message). */
export const DEFAULT_WAIT_MS = 5000;

export class WaitTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`timed out after ${ms}ms waiting for ${what}`);
    this.name = 'WaitTimeoutError';
  }
}

/** Resolves or rejects like `promise`, but rejects with WaitTimeoutError after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new WaitTimeoutError(what, ms)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Resolves after the current turn of the event loop (no timers involved). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Calls `attempt` until it returns something other than `undefined`, pausing
 * `intervalMs` between attempts, and fails once `timeoutMs` has elapsed.
 */
export async function pollUntil<T>(
  attempt: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = DEFAULT_WAIT_MS, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
