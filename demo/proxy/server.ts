/**
 * Our server for the proxy scenarios: Express with SockJS endpoints whose handler echoes every
 * message (the standard echo service) and records what the server saw — sessions, messages in,
 * pushes out, closes — plus a log of every request that reached the server.
 */
import { createServer } from 'node:http';
import express from 'express';
import {
  createEndpoint,
  ReadyState,
  type CloseInfo,
  type EndpointOptions,
  type Logger,
  type SockJsEndpoint,
  type SockJsHandler,
  type SockJsSession,
} from '../../server';
import { testServiceOptions } from '../../cli/services';
import { listen, type RunningServices } from '../test-services';
import type { ChangeBus } from './wait';

/** One session as the server saw it. */
export interface SessionRecord {
  readonly session: SockJsSession;
  readonly id: string;
  readonly transport: string;
  /** Messages from the client, in the order the handler got them. */
  readonly received: string[];
  /** Messages the server pushed (not echoes), in order. */
  readonly pushed: string[];
  closed: CloseInfo | undefined;
  openedAt: number;
  closedAt: number | undefined;
}

/** Echoes every message and records each session of one endpoint. */
export class Recorder {
  readonly sessions: SessionRecord[] = [];
  readonly handler: SockJsHandler;

  constructor(bus: ChangeBus) {
    this.handler = {
      onOpen: (session) => {
        this.sessions.push({
          session,
          id: session.id,
          transport: session.transport,
          received: [],
          pushed: [],
          closed: undefined,
          openedAt: Date.now(),
          closedAt: undefined,
        });
        bus.changed();
      },
      onMessage: (session, message) => {
        this.of(session)?.received.push(message);
        session.send(message);
        bus.changed();
      },
      onClose: (session, info) => {
        const record = this.of(session);
        if (record) {
          record.closed = info;
          record.closedAt = Date.now();
        }
        bus.changed();
      },
    };
  }

  private of(session: SockJsSession): SessionRecord | undefined {
    return this.sessions.find((record) => record.session === session);
  }

  /** Sends a message from the server to the session (recorded); false if it is not open. */
  push(record: SessionRecord, message: string): boolean {
    if (record.session.readyState !== ReadyState.OPEN) return false;
    record.pushed.push(message);
    record.session.send(message);
    return true;
  }
}

/** A request as it reached our server (through the proxy). */
export interface RequestRecord {
  readonly method: string;
  readonly url: string;
  readonly at: number;
  /** The status sent, once the head went out (undefined before: a waiting poll, say). */
  readonly status: number | undefined;
  /** The response is complete. */
  readonly ended: boolean;
  /** The connection closed before the response was complete. */
  readonly dropped: boolean;
}

export interface EndpointSpec {
  prefix: string;
  /** Endpoint options on top of `prefix`, the recording echo handler and `allowedOrigins: ['*']`. */
  options?: Omit<EndpointOptions, 'prefix' | 'handler'>;
}

/** The standard echo service (`/echo`, `responseLimit` 4096) of `npm start` and the protocol suite. */
export function echoServiceSpec(): EndpointSpec {
  const echo = testServiceOptions().find((service) => service.prefix === '/echo');
  if (!echo) throw new Error('no /echo in the test services');
  const { prefix, handler: _handler, ...options } = echo;
  return { prefix, options };
}

/** Warnings go nowhere: the scenarios drop connections on purpose. Errors still go to stderr. */
const quietLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error(obj, msg) {
    console.error('[sockjs] error', msg ?? '', obj);
  },
};

export interface ScenarioServer {
  readonly services: RunningServices;
  readonly port: number;
  readonly requests: RequestRecord[];
  endpoint(prefix: string): SockJsEndpoint;
  recorder(prefix: string): Recorder;
  close(): Promise<void>;
}

/** Starts the endpoints on 127.0.0.1 (a free port), each with its own recorder. */
export async function startScenarioServer(bus: ChangeBus, specs: readonly EndpointSpec[]): Promise<ScenarioServer> {
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const requests: RequestRecord[] = [];
  app.use((req, res, next) => {
    let ended = false;
    let dropped = false;
    requests.push({
      method: req.method,
      url: req.originalUrl,
      at: Date.now(),
      get status() {
        return res.headersSent ? res.statusCode : undefined;
      },
      get ended() {
        return ended;
      },
      get dropped() {
        return dropped;
      },
    });
    res.once('finish', () => {
      ended = true;
      bus.changed();
    });
    res.once('close', () => {
      if (!ended) dropped = true;
      bus.changed();
    });
    next();
    // Synchronous route handling is done by now (a receiving request has been attached).
    bus.changed();
  });
  const recorders = new Map<string, Recorder>();
  const endpoints = specs.map((spec) => {
    const recorder = new Recorder(bus);
    const endpoint = createEndpoint({
      logger: quietLogger,
      allowedOrigins: ['*'],
      ...spec.options,
      prefix: spec.prefix,
      handler: recorder.handler,
    });
    recorders.set(endpoint.prefix, recorder);
    app.use(endpoint.prefix, endpoint.middleware);
    endpoint.attach(server);
    return endpoint;
  });
  const services = await listen(server, app, endpoints, { host: '127.0.0.1', port: 0 });
  return {
    services,
    port: services.port,
    requests,
    endpoint(prefix) {
      const endpoint = endpoints.find((e) => e.prefix === prefix);
      if (!endpoint) throw new Error(`no endpoint ${prefix}`);
      return endpoint;
    },
    recorder(prefix) {
      const recorder = recorders.get(prefix);
      if (!recorder) throw new Error(`no endpoint ${prefix}`);
      return recorder;
    },
    async close() {
      // No flush grace: sessions left with queued messages (their client gone) end at once.
      await Promise.all(endpoints.map((endpoint) => endpoint.close({ flushTimeout: 0 })));
      await services.close();
    },
  };
}
