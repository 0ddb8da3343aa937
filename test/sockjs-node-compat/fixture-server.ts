/**
 * Runs a fixture pair: each twin's server on 127.0.0.1 and a free port, closed after the tests.
 * The reference's sessions keep module-global timers (5 s disconnect, 25 s heartbeat) past the
 * server's close; they are unref'd then, as test/support/reference-server.ts does, so that they do
 * not hold the test process open.
 */
import { listenTracked, type Listening } from '../support/servers';
import type { Resources } from '../support/resources';
import { nextTurn } from '../support/wait';
import type { Connection, Started } from './fixtures/sockjs-node-module';

export type Target = 'ours' | 'reference';
export const TARGETS: readonly Target[] = ['ours', 'reference'];

export async function serveFixture(started: Started, resources: Resources): Promise<Listening> {
  const seen = new Set<Connection>();
  for (const service of started.services) service.on('connection', (conn: Connection) => seen.add(conn));
  const listening = await listenTracked(started.server);
  resources.add(listening, async (l) => {
    await l.close();
    await nextTurn();
    for (const conn of seen) conn._session?.to_tref?.unref();
    // Ours: the compat server's own close (not in sockjs-node) ends its endpoints' timer wheels.
    for (const service of started.services) {
      const closable = service as { close?: () => Promise<void> };
      if (typeof closable.close === 'function') await closable.close();
    }
  });
  return listening;
}
