/**
 * Servers for the tests, on 127.0.0.1 and a free port, whose `close()` destroys every connection
 * they accepted: `listenTracked` (the demo's, the one copy) for any http.Server, and
 * `serveEndpoints` for an Express app with endpoints mounted.
 */
import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import { listenTracked, type Listening } from '../../demo/listen';
import { createEndpoint, type EndpointOptions, type SockJsEndpoint } from '../../server';

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
export async function serveEndpoints(options: EndpointOptions[], setup?: (app: Express, server: Server) => void): Promise<ExpressServer> {
  const app = express();
  const server = createServer(app);
  const endpoints = options.map((o) => createEndpoint(o));
  for (const endpoint of endpoints) {
    app.use(endpoint.prefix, endpoint.middleware);
    endpoint.attach(server);
  }
  setup?.(app, server);
  const listening = await listenTracked(server);
  return {
    ...listening,
    app,
    endpoints,
    async close() {
      await Promise.all(endpoints.map((endpoint) => endpoint.close()));
      await listening.close();
    },
  };
}
