import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import { testServiceOptions } from '../cli/services';
import { stompServices } from '../cli/stomp-services';
import { createEndpoint, type EndpointOptions, type SockJsEndpoint } from '../server';
import type { StompServer, StompServerOptions } from '../server/stomp';
import { listenTracked, type Listening } from './listen';

/** A running server with the standard SockJS test services mounted. */
export interface RunningServices {
  server: Server;
  app: Express;
  endpoints: SockJsEndpoint[];
  /** e.g. http://127.0.0.1:43210 */
  baseUrl: string;
  port: number;
  /** Runs before the server closes (more endpoints to close, say). */
  onClose(task: () => Promise<void>): void;
  /**
   * Closes every endpoint (giving queued messages up to `flushTimeout` ms, default 0: tests want
   * it now), then the server, destroying the connections left.
   */
  close(flushTimeout?: number): Promise<void>;
}

export interface ServicesOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** How the server gets its connections. Default: it listens on host:port (`listenTracked`). */
  listening?: (server: Server, options: { host?: string; port?: number }) => Promise<Listening>;
  /** Applied to every service (tests shorten delays with it). */
  overrides?: Partial<Omit<EndpointOptions, 'prefix' | 'handler'>>;
}

/** Mounts the test services on an Express app and takes their upgrades from `server`. */
export function mountTestServices(
  app: Express,
  server: Server,
  overrides: ServicesOptions['overrides'] = {},
): SockJsEndpoint[] {
  return testServiceOptions().map((options) => {
    const endpoint =
      options.prefix === '/broadcast' && overrides.cluster
        ? clusterBroadcast({ ...options, ...overrides })
        : createEndpoint({ ...options, ...overrides });
    app.use(endpoint.prefix, endpoint.middleware);
    endpoint.attach(server);
    return endpoint;
  });
}

/**
 * `/broadcast` in a cluster: every message through `endpoint.broadcast`, which the bus carries to
 * every node's sessions (the standalone service's own member list knows only this node's).
 */
function clusterBroadcast(options: EndpointOptions): SockJsEndpoint {
  const endpoint: SockJsEndpoint = createEndpoint({
    ...options,
    handler: { onMessage: (_session, message) => endpoint.broadcast(message) },
  });
  return endpoint;
}

/** Starts an Express app with the standard SockJS test services. */
export async function startTestServices(options: ServicesOptions = {}): Promise<RunningServices> {
  const app = express();
  const server = createServer(app);
  const endpoints = mountTestServices(app, server, options.overrides);
  return listen(server, app, endpoints, options);
}

export async function listen(
  server: Server,
  app: Express,
  endpoints: SockJsEndpoint[],
  options: ServicesOptions,
): Promise<RunningServices> {
  const listening = await (options.listening ?? listenTracked)(server, options);
  const beforeClose: Array<() => Promise<void>> = [];
  return {
    server,
    app,
    endpoints,
    port: listening.port,
    baseUrl: listening.baseUrl,
    onClose(task) {
      beforeClose.push(task);
    },
    async close(flushTimeout = 0) {
      await Promise.all([
        ...beforeClose.map((task) => task()),
        ...endpoints.map((endpoint) => endpoint.close({ flushTimeout })),
      ]);
      await listening.close();
    },
  };
}

/** The STOMP demo services (cli/stomp-services.ts) on an Express app: `/stomp`, `/stomp-ws`, `POST /publish`. */
export function mountStompServices(
  app: Express,
  server: Server,
  options: StompServerOptions = {},
): { stomp: StompServer; endpoints: SockJsEndpoint[] } {
  const services = stompServices(options);
  app.all('/publish', services.publish);
  const endpoints = services.endpoints.map((endpointOptions) => {
    const endpoint = createEndpoint(endpointOptions);
    app.use(endpoint.prefix, endpoint.middleware);
    endpoint.attach(server);
    return endpoint;
  });
  return { stomp: services.stomp, endpoints };
}
