import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { decorate, type HandlerDecorator } from './decorators/compose';
import { createEndpoint, type NextFunction, type SockJsEndpoint } from './endpoint';
import { checkOptionKeys, SockJsError } from '../protocol';
import type { Logger, SockJsHandler } from './handler';
import type { HandshakeInterceptor, PrincipalResolver } from './handshake';
import type { EndpointOptions } from './options';
import type { ClusterBus } from './cluster/types';

const SOCKJS_OPTION_KEYS = [
  'heartbeatDelay',
  'disconnectDelay',
  'responseLimit',
  'websocket',
  'jsessionid',
  'clientScriptUrl',
  'maxRequestBytes',
] as const satisfies readonly (keyof EndpointOptions)[];

/** The SockJS-only options, set with `withSockJS()` (Spring's `SockJsServiceRegistration`). */
export type SockJsOptions = Pick<EndpointOptions, (typeof SOCKJS_OPTION_KEYS)[number]>;

const ENGINE_LIMIT_KEYS = [
  'maxTextMessageBytes',
  'maxBinaryMessageBytes',
  'idleTimeout',
  'sendHighWaterMark',
] as const satisfies readonly (keyof EndpointOptions)[];

/** The engine limits (Spring's `ServletServerContainerFactoryBean` settings). */
export type EngineLimits = Pick<EndpointOptions, (typeof ENGINE_LIMIT_KEYS)[number]>;

/** Anything with Express's `app.use(path, middleware)`. */
export interface MountTarget {
  use(path: string, middleware: (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void): unknown;
}

/** One `addHandler()` call: a handler on one or more paths, configured by chaining. */
export class HandlerRegistration {
  private readonly interceptors: HandshakeInterceptor[] = [];
  private readonly decorators: HandlerDecorator[] = [];
  private allowedOrigins: string[] | undefined;
  private subprotocols: string[] | undefined;
  private principal: PrincipalResolver | undefined;
  private limits: EngineLimits = {};
  private cluster: ClusterBus | undefined;
  private sockjs: SockJsOptions | undefined;

  constructor(
    private readonly handler: SockJsHandler,
    readonly paths: readonly string[],
  ) {}

  addInterceptors(...interceptors: HandshakeInterceptor[]): this {
    this.interceptors.push(...interceptors);
    return this;
  }

  /** Exact origins, patterns (`https://*.example.com`) or `*`; default same origin only. */
  setAllowedOrigins(...origins: string[]): this {
    this.allowedOrigins = [...(this.allowedOrigins ?? []), ...origins];
    return this;
  }

  /** Spring has a separate setter for patterns; here both take patterns. */
  setAllowedOriginPatterns(...patterns: string[]): this {
    return this.setAllowedOrigins(...patterns);
  }

  setSubprotocols(...protocols: string[]): this {
    this.subprotocols = protocols;
    return this;
  }

  /** Decides the session's user at the handshake (Spring's `HandshakeHandler.determineUser`). */
  setPrincipalResolver(resolver: PrincipalResolver): this {
    this.principal = resolver;
    return this;
  }

  /** Wraps the handler; the first decorator is outermost. */
  addDecorators(...decorators: HandlerDecorator[]): this {
    this.decorators.push(...decorators);
    return this;
  }

  setLimits(limits: EngineLimits): this {
    // Checked here: spread into the endpoint's options, an endpoint option (`prefix`) would pass.
    checkOptionKeys('setLimits()', limits, ENGINE_LIMIT_KEYS);
    this.limits = { ...this.limits, ...limits };
    return this;
  }

  /** Serves the SockJS protocol (every fallback transport) instead of a plain websocket. */
  /** The endpoint's `cluster` bus: `broadcast`, `sendTo` and `sendToUser` reach every node (no Spring equivalent). */
  setCluster(bus: ClusterBus): this {
    this.cluster = bus;
    return this;
  }

  withSockJS(options: SockJsOptions = {}): this {
    checkOptionKeys('withSockJS()', options, SOCKJS_OPTION_KEYS);
    this.sockjs = { ...options };
    return this;
  }

  /** The endpoint options for one of the paths. */
  optionsFor(prefix: string, logger: Logger | undefined): EndpointOptions {
    return {
      prefix,
      handler: decorate(this.handler, ...this.decorators),
      sockjs: this.sockjs !== undefined,
      interceptors: this.interceptors,
      ...(this.allowedOrigins && { allowedOrigins: this.allowedOrigins }),
      ...(this.subprotocols && { subprotocols: this.subprotocols }),
      ...(this.principal && { principal: this.principal }),
      ...(logger && { logger }),
      ...(this.cluster && { cluster: this.cluster }),
      ...this.limits,
      ...this.sockjs,
    };
  }
}

/**
 * Spring's `WebSocketHandlerRegistry`: register handlers on paths, then mount them all on an
 * Express app and its HTTP server in one call.
 *
 * ```ts
 * const registry = new WebSocketHandlerRegistry();
 * registry.addHandler(chat, '/chat').addInterceptors(httpSessionInterceptor()).withSockJS();
 * registry.addHandler(feed, '/ws').setSubprotocols('v1.chat', 'v2.chat');
 * registry.mount(app, server);
 * registry.endpoint('/chat').broadcast('hello');
 * ```
 */
export class WebSocketHandlerRegistry {
  private readonly registrations: HandlerRegistration[] = [];
  private readonly endpoints = new Map<string, SockJsEndpoint>();

  constructor(private readonly defaults: { logger?: Logger } = {}) {
    checkOptionKeys('WebSocketHandlerRegistry', defaults, ['logger']);
  }

  addHandler(handler: SockJsHandler, ...paths: string[]): HandlerRegistration {
    if (paths.length === 0) throw new SockJsError('ERR_INVALID_OPTION', 'addHandler needs at least one path');
    const registration = new HandlerRegistration(handler, paths);
    this.registrations.push(registration);
    return registration;
  }

  /** Creates every endpoint (validating its options), mounts it on `app` and takes its upgrades from `server`. */
  mount(app: MountTarget, server: Server): SockJsEndpoint[] {
    const pending = this.registrations.flatMap((registration) =>
      registration.paths.map((path) => ({ registration, path })),
    );
    const seen = new Set(this.endpoints.keys());
    for (const { path } of pending) {
      if (seen.has(path)) throw new SockJsError('ERR_INVALID_OPTION', `${path} is registered twice`);
      seen.add(path);
    }
    // Every endpoint is created (and its options validated) before anything is mounted.
    const created = pending.map(({ registration, path }) => ({
      path,
      endpoint: createEndpoint(registration.optionsFor(path, this.defaults.logger)),
    }));
    // Longest prefix first: a nested endpoint (/chat/admin) must see its requests before /chat does.
    for (const { path, endpoint } of [...created].sort((a, b) => b.endpoint.prefix.length - a.endpoint.prefix.length)) {
      app.use(endpoint.prefix || '/', endpoint.middleware);
      endpoint.attach(server);
      this.endpoints.set(path, endpoint);
    }
    return created.map(({ endpoint }) => endpoint);
  }

  /** The endpoint mounted on `path`, for messaging from anywhere (an Express route, a job...). */
  endpoint(path: string): SockJsEndpoint {
    const endpoint = this.endpoints.get(path);
    if (!endpoint) throw new SockJsError('ERR_INVALID_OPTION', `no endpoint is mounted on ${path}`);
    return endpoint;
  }

  /** Closes every endpoint gracefully (see `SockJsEndpoint.close`). */
  async close(options?: { flushTimeout?: number }): Promise<void> {
    await Promise.all([...this.endpoints.values()].map((endpoint) => endpoint.close(options)));
  }
}
