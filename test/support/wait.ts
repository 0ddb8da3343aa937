/**
 * Bounded waiting. Every wait in the tests has a deadline, so that a broken server makes a test
 * fail quickly, saying what it waited for, instead of hanging the run. Every wait takes what it
 * waits for first and its deadline last: `withTimeout(promise, what, ms)`.
 *
 * Waiting on something that changes on events (a queue of messages, recorded calls, bytes on a
 * socket) is `ChangeBus.until`, the proxy demo's, re-exported here: call `changed()` on every
 * event, and each pending wait re-checks its condition.
 */
import { ChangeBus, DeadlineError } from '../../demo/proxy/wait';

export { ChangeBus, DeadlineError };

/** Default deadline of a single wait (one response head, one chunk, one message, one callback). */
export const DEFAULT_WAIT_MS = 5000;

/** Resolves or rejects like `promise`, but rejects with a DeadlineError after `ms`. */
export function withTimeout<T>(promise: Promise<T>, what: string, ms = DEFAULT_WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Calls `attempt` until it returns something other than `undefined`, pausing `intervalMs`
 * between attempts; fails once `ms` have passed.
 */
export async function pollUntil<T>(
  attempt: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = DEFAULT_WAIT_MS,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) throw new DeadlineError(what, ms);
    await delay(intervalMs);
  }
}

/** Polls `condition` (every few ms) until it holds; fails after `ms`. For state no event announces. */
export async function until(condition: () => boolean, what: string, ms = DEFAULT_WAIT_MS): Promise<void> {
  await pollUntil(() => (condition() ? true : undefined), what, ms, 5);
}

/** Resolves after the current turn of the event loop (no timers involved). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms`. Only to make a handler slow on purpose, never to wait for an outcome. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
