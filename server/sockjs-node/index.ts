/**
 * A drop-in for sockjs-node 0.3 (`require('sockjs')`): the same `createServer`, `installHandlers`,
 * `connection` event and connection object, served by our endpoint, with our secure defaults.
 * Where it differs and how to get sockjs-node's behaviour back: docs/migrating-from-sockjs-node.md.
 */
import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createEndpoint, type SockJsEndpoint } from '../endpoint';
import type { SockJsHandler, SockJsSession } from '../handler';
import type { HandshakeInterceptor } from '../handshake';
import { resolveOptions } from '../options';
import { detailsOf, SockJSConnection, type RequestDetails } from './connection';
import { install } from './install';
import { checkSockjsNodeKeys, inSockjsNodeTerms, toEndpointOptions, type SockjsNodeOptions } from './options';

export { SockJSConnection } from './connection';
export { SOCKJS_NODE_OPTION_KEYS, type SockjsNodeOptions, type SockjsNodeSeverity } from './options';

/** Where the handshake leaves the request's details for the connection, in the session's attributes. */
const DETAILS = 'sockjs-node:request-details';

const recordDetails: HandshakeInterceptor = {
  beforeHandshake(handshake) {
    handshake.attributes.set(DETAILS, detailsOf(handshake.req));
  },
};

/** What `server.middleware()` returns: call it from your own listeners, it says whether it took the request. */
export interface SockjsNodeMiddleware {
  (req: IncomingMessage, res: ServerResponse): boolean;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

export class Server extends EventEmitter {
  readonly options: SockjsNodeOptions;
  private readonly uninstalls: (() => void)[] = [];
  private readonly endpoints: SockJsEndpoint[] = [];

  /** Checks every option now (sockjs-node ignored unknown and wrong ones); throws `ERR_INVALID_OPTION`. */
  constructor(options?: SockjsNodeOptions) {
    super();
    checkSockjsNodeKeys('sockjs.createServer', options);
    this.options = { ...options };
    try {
      resolveOptions(toEndpointOptions(this.options, {}, recordDetails));
    } catch (error) {
      throw inSockjsNodeTerms(error);
    }
  }

  /**
   * Serves `handlerOptions.prefix` (over the server's options) on `httpServer`: requests and
   * upgrades under it go to us, every other one to the server's own listeners, which stay
   * registered. Returns true, as sockjs-node.
   */
  installHandlers(httpServer: HttpServer, handlerOptions?: SockjsNodeOptions): true {
    const endpoint = this.endpoint(handlerOptions);
    this.uninstalls.push(install(httpServer, endpoint));
    return true;
  }

  /**
   * sockjs-node's `middleware(options)`: a handler you call from your own `request` listener, true
   * when it served the request (its path is under the prefix); `.upgrade` the same for upgrades.
   * Nothing is installed on any server (so `100 Continue` is Node's, sent before the body is checked).
   */
  middleware(handlerOptions?: SockjsNodeOptions): SockjsNodeMiddleware {
    const endpoint = this.endpoint(handlerOptions);
    const handler = (req: IncomingMessage, res: ServerResponse): boolean => endpoint.handleRequest(req, res);
    return Object.assign(handler, {
      upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => endpoint.handleUpgrade(req, socket, head),
    });
  }

  /**
   * Not in sockjs-node: stops routing to this server's endpoints and closes their sessions (1001
   * "Going away", `close` events emitted), as `endpoint.close()`.
   */
  async close(options?: { flushTimeout?: number }): Promise<void> {
    for (const uninstall of this.uninstalls.splice(0)) uninstall();
    await Promise.all(this.endpoints.splice(0).map((endpoint) => endpoint.close(options)));
  }

  private endpoint(handlerOptions: SockjsNodeOptions | undefined): SockJsEndpoint {
    checkSockjsNodeKeys('installHandlers', handlerOptions);
    const options: SockjsNodeOptions = { ...this.options, ...handlerOptions };
    const prefix = options.prefix ?? '';
    const connections = new WeakMap<SockJsSession, SockJSConnection>();
    const handler: SockJsHandler = {
      onOpen: (session) => {
        const details = session.attributes.get(DETAILS) as RequestDetails;
        const conn = new SockJSConnection(session, prefix, details);
        connections.set(session, conn);
        this.emit('connection', conn);
      },
      onMessage: (session, message) => {
        connections.get(session)?.emit('data', message);
      },
      onClose: (session) => {
        connections.get(session)?.finish();
      },
    };
    let endpoint: SockJsEndpoint;
    try {
      endpoint = createEndpoint(toEndpointOptions(options, handler, recordDetails));
    } catch (error) {
      throw inSockjsNodeTerms(error);
    }
    this.endpoints.push(endpoint);
    return endpoint;
  }
}

/** `sockjs.createServer(options)`. */
export function createServer(options?: SockjsNodeOptions): Server {
  return new Server(options);
}

/** `sockjs.listen(httpServer, options)`: createServer, then installHandlers when a server is given. */
export function listen(httpServer?: HttpServer, options?: SockjsNodeOptions): Server {
  const server = createServer(options);
  if (httpServer) server.installHandlers(httpServer);
  return server;
}
