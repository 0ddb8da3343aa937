/**
 * What a test file opened (servers, clients, sockets), released by its `after` hook, last opened
 * first. Built on the proxy demo's Stack; unlike a scenario's, a test's cleanup never fails: each
 * release is bounded and its failure swallowed, so that one stuck resource cannot keep the others
 * open or hide the test's own outcome.
 */
import { Stack } from '../../demo/proxy/wait';
import { withTimeout } from './wait';

/** Deadline of one release. */
const RELEASE_MS = 5000;

export class Resources {
  private readonly stack = new Stack();

  /** Registers `release` for `resource`; returns `resource`. */
  add<T>(resource: T, release: (resource: T) => unknown): T {
    return this.stack.use(resource, 'a test resource', async (value) => {
      try {
        await withTimeout(Promise.resolve(release(value)), 'a resource to close', RELEASE_MS);
      } catch {
        // Bounded and best effort, see above.
      }
    });
  }

  /** Releases everything registered so far; may be called again. */
  closeAll(): Promise<void> {
    return this.stack.dispose();
  }
}
