import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_TRANSPORTS, type HttpTransport, type SessionHost } from '../../transports';
import { SockJsError } from '../../protocol';
import type { ResolvedOptions } from '../options';
import type { EndpointCounters } from '../stats';
import type { Route } from '../router';
import { cacheForever, cors, noCache, preflight, stickyCookie } from './headers';
import type { OriginPolicy } from './origin';
import { greeting, info, infoPreflight, serveScript, type IframePage } from './pages';
import { methodNotAllowed, notFound, sendError } from '../../transports/http/respond';

/** What the HTTP routes need from their endpoint. */
export interface RouteHost extends SessionHost {
  readonly options: ResolvedOptions;
  readonly origins: OriginPolicy;
  readonly iframe: IframePage;
  /** The same page for `iframe.html/`, whose relative script URL climbs one level more. */
  readonly iframeUnderSlash: IframePage;
  readonly clientScript: Buffer | undefined;
  readonly counters: EndpointCounters;
  /** Reports a request that failed unexpectedly and answers 500 if it still can. */
  failed(res: ServerResponse, error: unknown): void;
}

const SEND_METHODS = ['POST', 'OPTIONS'];

/** Serves one request already known to be under the endpoint's prefix. */
export function serveRoute(
  host: RouteHost,
  route: Route,
  req: IncomingMessage,
  res: ServerResponse,
  query: string,
): void {
  const method = req.method ?? 'GET';
  switch (route.kind) {
    case 'greeting':
      return method === 'GET' ? greeting(res) : methodNotAllowed(res, ['GET']);
    case 'info':
      if (!host.origins.allows(req)) return refuseOrigin(host, res);
      if (method === 'GET') return info(req, res, host.options);
      if (method === 'OPTIONS') return infoPreflight(req, res, host.options);
      return methodNotAllowed(res, ['OPTIONS', 'GET']);
    case 'iframe':
      if (method !== 'GET') return methodNotAllowed(res, ['GET']);
      return (route.underSlash ? host.iframeUnderSlash : host.iframe).serve(req, res);
    case 'client-script':
      if (method !== 'GET' || host.clientScript === undefined) return methodNotAllowed(res, ['GET']);
      return serveScript(res, host.clientScript);
    case 'raw-websocket':
      return websocketOverHttp(host, method, res);
    case 'session':
      return serveTransport(host, route.transport, method, req, res, route.sessionId, query);
    case 'not-found':
      return notFound(res);
  }
}

/** A disallowed `Origin`: 403, counted in the endpoint's stats. */
function refuseOrigin(host: RouteHost, res: ServerResponse): void {
  host.counters.refusedOrigin++;
  sendError(res, new SockJsError('ERR_ORIGIN_NOT_ALLOWED'));
}

/** A websocket URL requested without an upgrade. */
export function websocketOverHttp(
  host: { readonly options: ResolvedOptions },
  method: string,
  res: ServerResponse,
): void {
  if (!host.options.websocket) {
    cacheForever(res);
    return notFound(res);
  }
  if (method !== 'GET') return methodNotAllowed(res, ['GET']);
  sendError(res, new SockJsError('ERR_NOT_WEBSOCKET'));
}

function serveTransport(
  host: RouteHost,
  name: string,
  method: string,
  req: IncomingMessage,
  res: ServerResponse,
  sessionId: string,
  query: string,
): void {
  if (name === 'websocket') return websocketOverHttp(host, method, res);
  const transport = HTTP_TRANSPORTS.get(name);
  if (!transport) return notFound(res);
  if (!host.origins.allows(req)) return refuseOrigin(host, res);
  if (transport.cors && method === 'OPTIONS') {
    stickyCookie(req, res, host.options.jsessionid);
    return preflight(req, res, 'OPTIONS, POST');
  }
  if (method !== transport.method) return methodNotAllowed(res, transport.cors ? SEND_METHODS : [transport.method]);
  handle(host, transport, req, res, sessionId, query);
}

function handle(
  host: RouteHost,
  transport: HttpTransport,
  req: IncomingMessage,
  res: ServerResponse,
  sessionId: string,
  query: string,
): void {
  stickyCookie(req, res, host.options.jsessionid);
  noCache(res);
  if (transport.cors) cors(req, res);
  const pending = transport.handle({ req, res, query, sessionId, host });
  if (pending) pending.catch((error: unknown) => host.failed(res, error));
}
