/**
 * What a test file opened (servers, clients, sockets), released by its `after` hook, last opened
 * first. Built on the proxy demo's Stack; unlike a scenario's, a test's cleanup never fails: each
 * release is bounded and its failure only reported (on stderr), so that one stuck resource cannot keep the others
 * open or hide the test's own outcome.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
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
      } catch (error) {
        // Bounded and best effort, see above; but said, not swallowed.
        process.stderr.write(
          `# cleanup of a test resource failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    });
  }

  /** Releases everything registered so far; may be called again. */
  closeAll(): Promise<void> {
    return this.stack.dispose();
  }
}

/** What `useStarted` gives a test file (or describe block). */
export interface Started<T> {
  /** What `start` made; valid inside tests. */
  running: () => T;
  /** Closed after the tests; add to it what `start` or the tests open. */
  resources: Resources;
}

/**
 * Registers hooks on the current file or describe block: `start` before its tests, everything
 * added to `resources` closed after them.
 */
export function useStarted<T>(start: (resources: Resources) => Promise<T>): Started<T> {
  const resources = new Resources();
  let started: T | undefined;
  before(async () => {
    started = await start(resources);
  });
  after(() => resources.closeAll());
  return {
    running: () => {
      assert.ok(started !== undefined, 'not started (before hook failed?)');
      return started;
    },
    resources,
  };
}
