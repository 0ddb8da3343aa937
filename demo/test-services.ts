import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import {
  createEndpoint,
  type EndpointOptions,
  type SockJsEndpoint,
  type SockJsHandler,
  type SockJsSession,
} from '../server';
import { listenTracked } from './listen';

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
  /** Applied to every service (tests shorten delays with it). */
  overrides?: Partial<Omit<EndpointOptions, 'prefix' | 'handler'>>;
}

const echo: SockJsHandler = {
  onMessage(session, message) {
    session.send(message);
  },
};

/** Sends `tick!` every second while open. */
function ticker(): SockJsHandler {
  const timers = new WeakMap<SockJsSession, NodeJS.Timeout>();
  return {
    onOpen(session) {
      timers.set(
        session,
        setInterval(() => session.send('tick!'), 1000),
      );
    },
    onClose(session) {
      clearInterval(timers.get(session));
    },
  };
}

/** Answers message `n` with 2^n `x` characters (n outside 0..19 counts as 1). */
const amplify: SockJsHandler = {
  onMessage(session, message) {
    let n = Number.parseInt(message, 10);
    if (!(n >= 0 && n <= 19)) n = 1;
    session.send('x'.repeat(2 ** n));
  },
};

function broadcast(): SockJsHandler {
  const members = new Set<SockJsSession>();
  return {
    onOpen(session) {
      members.add(session);
    },
    onMessage(_session, message) {
      for (const member of members) member.send(message);
    },
    onClose(session) {
      members.delete(session);
    },
  };
}

/** The services of the SockJS protocol suite, at the URLs it expects; any origin, as it expects. */
export function testServiceOptions(): EndpointOptions[] {
  const services: EndpointOptions[] = [
    { prefix: '/echo', handler: echo, responseLimit: 4096 },
    { prefix: '/close', handler: { onOpen: (session) => session.close(3000, 'Go away!') } },
    { prefix: '/disabled_websocket_echo', handler: echo, websocket: false },
    { prefix: '/cookie_needed_echo', handler: echo, jsessionid: true },
    { prefix: '/ticker', handler: ticker() },
    { prefix: '/amplify', handler: amplify },
    { prefix: '/broadcast', handler: broadcast() },
  ];
  return services.map((service) => ({ ...service, allowedOrigins: ['*'] }));
}

/** Mounts the test services on an Express app and takes their upgrades from `server`. */
export function mountTestServices(
  app: Express,
  server: Server,
  overrides: ServicesOptions['overrides'] = {},
): SockJsEndpoint[] {
  return testServiceOptions().map((options) => {
    const endpoint = createEndpoint({ ...options, ...overrides });
    app.use(endpoint.prefix, endpoint.middleware);
    endpoint.attach(server);
    return endpoint;
  });
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
  const listening = await listenTracked(server, options);
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
