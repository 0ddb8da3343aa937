import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SockJsEndpoint } from '../endpoint';

interface Routing {
  /** Longest prefix first, as attach() orders upgrades, so `/a/b` is not taken by `/a`. */
  endpoints: SockJsEndpoint[];
  original: Server['emit'];
  routed: Server['emit'];
}

const routings = new WeakMap<Server, Routing>();

/**
 * sockjs-node's installHandlers removes the server's `request` and `upgrade` listeners and calls
 * them itself for what it does not serve. We leave them where they are (`listeners()` still shows
 * them, ones added later work) and route in front of them instead: the server's `emit` of those two
 * events goes to the endpoint whose prefix the URL is under, and only otherwise to the listeners.
 * A listener alone cannot do it: every listener of an event sees every request.
 */
function routedEmit(server: Server, endpoints: SockJsEndpoint[], original: Server['emit']): Server['emit'] {
  const routed = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'request') {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      if (endpoints.some((endpoint) => endpoint.handleRequest(req, res))) return true;
    } else if (event === 'upgrade') {
      const [req, socket, head] = args as [IncomingMessage, Duplex, Buffer];
      if (endpoints.some((endpoint) => endpoint.handleUpgrade(req, socket, head))) return true;
    }
    return Reflect.apply(original, server, [event, ...args]) as boolean;
  };
  return routed as Server['emit'];
}

/**
 * Routes the server's requests and upgrades under `endpoint.prefix` to it; returns a function that
 * stops. `attach()` adds the upgrade listener without which Node would not emit upgrades at all
 * (and answers 404 to upgrades nobody takes), and holds back `100 Continue` for our bodies.
 */
export function install(server: Server, endpoint: SockJsEndpoint): () => void {
  let routing = routings.get(server);
  if (!routing) {
    const endpoints: SockJsEndpoint[] = [];
    const original = server.emit;
    routing = { endpoints, original, routed: routedEmit(server, endpoints, original) };
    routings.set(server, routing);
    server.emit = routing.routed;
  }
  const { endpoints, routed, original } = routing;
  endpoints.push(endpoint);
  endpoints.sort((a, b) => b.prefix.length - a.prefix.length);
  const detach = endpoint.attach(server);
  let uninstalled = false;
  return () => {
    if (uninstalled) return;
    uninstalled = true;
    detach();
    const index = endpoints.indexOf(endpoint);
    if (index !== -1) endpoints.splice(index, 1);
    // Put emit back only if nobody has wrapped it since; else ours stays, routing nothing.
    if (endpoints.length === 0 && server.emit === routed) {
      server.emit = original;
      routings.delete(server);
    }
  };
}
