/**
 * Chooses the server under test from SOCKJS_TARGET:
 *   ours (default)  our implementation, demo/test-services.ts
 *   reference       sockjs-node 0.3.24, test/support/reference-server.ts
 * Both expose the same services at the same paths.
 */
import { after, before } from 'node:test';
import type { Server } from 'node:http';
import { startTestServices } from '../../demo/test-services';
import { startReferenceServer } from './reference-server';
import { withTimeout } from './wait';

export interface Target {
  /** e.g. http://127.0.0.1:43210 (no trailing slash) */
  baseUrl: string;
  port: number;
  /** The listening server, so tests can observe request/socket events instead of sleeping. */
  server: Server;
  close(): Promise<void>;
}

export type TargetName = 'ours' | 'reference';

export function targetName(): TargetName {
  const value = process.env['SOCKJS_TARGET'] ?? 'ours';
  if (value !== 'ours' && value !== 'reference') {
    throw new Error(`SOCKJS_TARGET must be "ours" or "reference", got ${JSON.stringify(value)}`);
  }
  return value;
}

const CLOSE_DEADLINE_MS = 5000;

export async function startTarget(): Promise<Target> {
  // Both close every connection they accepted (upgraded websockets too): teardown cannot be held
  // up by a lingering socket.
  const running =
    targetName() === 'reference'
      ? await startReferenceServer()
      : await startTestServices({ host: '127.0.0.1', port: 0 });
  return {
    baseUrl: running.baseUrl,
    port: running.port,
    server: running.server,
    close: async () => {
      await withTimeout(running.close(), `${targetName()} target to close`, CLOSE_DEADLINE_MS);
    },
  };
}

/**
 * Registers before/after hooks that start one target for the current test file
 * and close it afterwards. Returns an accessor valid inside tests.
 */
export function useTarget(): () => Target {
  let target: Target | undefined;
  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    const t = target;
    target = undefined;
    if (t) await t.close();
  });
  return () => {
    if (!target) throw new Error('target not started (before hook failed?)');
    return target;
  };
}
