/**
 * The Spring-model tests' server: an Express app and its http.Server on 127.0.0.1:0 with a
 * WebSocketHandlerRegistry mounted, and the setup block those test files share (start before the
 * tests, close everything after them).
 */
import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import { mountSpringDemo } from '../../demo/spring-demo';
import { WebSocketHandlerRegistry, type Logger } from '../../server';
import { RecordingLogger } from './logger';
import { useStarted, type Started } from './resources';
import { extendListening, listenTracked, type Listening } from './servers';

export interface SpringApp extends Listening {
  app: Express;
  registry: WebSocketHandlerRegistry;
}

export type Configure = (registry: WebSocketHandlerRegistry, app: Express, server: Server) => void;

export interface SpringAppOptions {
  logger?: Logger;
  /** False: `configure` mounts (or not) by itself. Default true. */
  mount?: boolean;
}

/**
 * An Express app with its http.Server, `configure` registering handlers (and routes) on the
 * registry, then `registry.mount(app, server)` and listen. `close()` closes the registry, then
 * the server and every socket it accepted.
 */
export async function startApp(configure: Configure, options: SpringAppOptions = {}): Promise<SpringApp> {
  const app = express();
  const server = createServer(app);
  const registry = new WebSocketHandlerRegistry(options.logger ? { logger: options.logger } : {});
  configure(registry, app, server);
  const endpoints = options.mount === false ? [] : registry.mount(app, server);
  const listening = await listenTracked(server);
  return extendListening(listening, { app, registry }, async () => {
    // No grace period for queued messages: tests leave unpolled sessions behind on purpose.
    await Promise.all(endpoints.map((endpoint) => endpoint.close({ flushTimeout: 0 })));
    await registry.close();
  });
}

/**
 * `startApp(configure, options)` before the tests of the current file or describe block (with a
 * RecordingLogger unless a logger is given, so that expected errors stay off stderr), closed after
 * them along with everything else added to `resources`.
 */
export function useSpringApp(configure: Configure, options: SpringAppOptions = {}): Started<SpringApp> {
  return useStarted(async (resources) =>
    resources.add(await startApp(configure, { logger: new RecordingLogger(), ...options }), (app) => app.close()),
  );
}

/** The demo's Spring-model endpoints (demo/spring-demo.ts) as `npm start` mounts them. */
export function useSpringDemo(): Started<Listening> {
  return useStarted(async (resources) => {
    const app = express();
    const server = createServer(app);
    const registry = mountSpringDemo(app, server);
    const listening = resources.add(await listenTracked(server), (l) => l.close());
    resources.add(registry, (r) => closeRegistry(r, ['/secure', '/ws']));
    return listening;
  });
}

/** Closes a registry's endpoints without the grace period for queued messages, then the registry. */
export async function closeRegistry(registry: WebSocketHandlerRegistry, paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => registry.endpoint(path).close({ flushTimeout: 0 })));
  await registry.close();
}
