/**
 * Servers for the tests, on 127.0.0.1 and a free port, whose `close()` destroys every connection
 * they accepted: `listenTracked` (the demo's, the one copy) for any http.Server, `serveEndpoints`
 * for an Express app with endpoints mounted, and `useServicesAndCustomEndpoint` for the client
 * tests' pair of servers.
 */
import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import { listenTracked, type Listening } from '../../demo/listen';
import { startTestServices, type RunningServices } from '../../demo/test-services';
import { createEndpoint, type EndpointOptions, type SockJsEndpoint, type SockJsHandler } from '../../server';
import { RecordingLogger } from './logger';
import { useStarted, type Started } from './resources';

export { listenTracked, type Listening };

export interface ExpressServer extends Listening {
  app: Express;
  endpoints: SockJsEndpoint[];
}

/**
 * An Express app with one endpoint per `options`, each mounted at its prefix and attached for
 * upgrades; `setup` adds routes or listeners before it listens. `close()` closes the endpoints,
 * then the server.
 */
export async function serveEndpoints(
  options: EndpointOptions[],
  setup?: (app: Express, server: Server) => void,
): Promise<ExpressServer> {
  const app = express();
  const server = createServer(app);
  const endpoints = options.map((o) => createEndpoint(o));
  for (const endpoint of endpoints) {
    app.use(endpoint.prefix, endpoint.middleware);
    endpoint.attach(server);
  }
  setup?.(app, server);
  const listening = await listenTracked(server);
  return extendListening(listening, { app, endpoints }, async () => {
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  });
}

/**
 * `listening` with `extra` beside it and `beforeClose` run before it closes. Not a spread: that
 * would read `openConnections` once and freeze it.
 */
export function extendListening<T extends object>(
  listening: Listening,
  extra: T,
  beforeClose: () => Promise<void>,
): Listening & T {
  const extended: Listening = {
    server: listening.server,
    port: listening.port,
    baseUrl: listening.baseUrl,
    get openConnections() {
      return listening.openConnections;
    },
    async close() {
      await beforeClose();
      await listening.close();
    },
  };
  return Object.assign(extended, extra);
}

export interface ServicesAndCustomEndpoint {
  /** The standard test services (demo/test-services.ts). */
  services: RunningServices;
  /** One endpoint at /custom with the handler given (and a RecordingLogger). */
  custom: ExpressServer;
}

/** Before the tests: the standard test services, and `handler` at /custom on a server of its own. */
export function useServicesAndCustomEndpoint(handler: SockJsHandler): Started<ServicesAndCustomEndpoint> {
  return useStarted(async (resources) => ({
    services: resources.add(await startTestServices(), (s) => s.close()),
    custom: resources.add(await serveEndpoints([{ prefix: '/custom', handler, logger: new RecordingLogger() }]), (s) =>
      s.close(),
    ),
  }));
}
