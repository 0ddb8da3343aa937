/**
 * Maps a request path to a route of one endpoint. Pure: no I/O.
 *
 *   {prefix}                       greeting
 *   {prefix}/info                  info
 *   {prefix}/iframe*.html          iframe page
 *   {prefix}/websocket             raw websocket
 *   {prefix}/{script}              the bundled sockjs-client
 *   {prefix}/{server}/{session}/{transport}
 *
 * Server and session ids may not contain `/`, `.` (reflected file download) or `;` (path
 * parameters). A trailing `/` is accepted everywhere, as the protocol allows.
 */
export type Route =
  | { kind: 'greeting' }
  | { kind: 'info' }
  /** `underSlash`: asked for as `iframe.html/`, where a relative URL resolves one level deeper. */
  | { kind: 'iframe'; underSlash: boolean }
  | { kind: 'raw-websocket' }
  | { kind: 'client-script' }
  | { kind: 'session'; serverId: string; sessionId: string; transport: string }
  | { kind: 'not-found' };

const IFRAME = /^\/iframe[0-9\-.a-z_]*\.html\/?$/;
const SESSION = /^\/([^/.;]+)\/([^/.;]+)\/([a-z_]+)\/?$/;

/** Splits a request URL into path and query without allocating a URL object. */
export function splitUrl(url: string): { path: string; query: string } {
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

/** The rest of `path` under `prefix`, or undefined when the endpoint does not own the path. */
export function underPrefix(path: string, prefix: string): string | undefined {
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  return rest === '' || rest.charCodeAt(0) === 47 /* / */ ? rest : undefined;
}

/** The parts of a request that say where it is; Express (and Connect) add the last two. */
export interface RequestLocation {
  readonly url?: string | undefined;
  /** The URL before Express stripped the mount path from `url`. */
  readonly originalUrl?: string | undefined;
  /** The mount path Express stripped. */
  readonly baseUrl?: string | undefined;
}

/**
 * The rest of a request's path under `prefix`, wherever the middleware is mounted, and its
 * query; undefined when the endpoint does not own the path. Express strips the mount path from
 * `url` into `baseUrl`: mounted at its own prefix (`app.use(prefix, …)`, or in a router whose
 * mount path ends with it; a root endpoint anywhere), `url` is all of the rest. Otherwise the full
 * URL is tried (plain `http`, `app.use(middleware)`, a prefix that includes the mount path), then
 * `url` (`app.use('/mount', …)`, the in-process twin of a proxy that strips a path prefix).
 */
export function locateUnderPrefix(req: RequestLocation, prefix: string): { rest: string; query: string } | undefined {
  const url = req.url ?? '/';
  if (req.baseUrl?.endsWith(prefix) === true) {
    const { path, query } = splitUrl(url);
    return { rest: path, query };
  }
  const full = locate(req.originalUrl ?? url, prefix);
  if (full !== undefined || req.originalUrl === undefined || req.originalUrl === url) return full;
  return locate(url, prefix);
}

function locate(url: string, prefix: string): { rest: string; query: string } | undefined {
  const { path, query } = splitUrl(url);
  const rest = underPrefix(path, prefix);
  return rest === undefined ? undefined : { rest, query };
}

export function matchRoute(rest: string, clientScriptPath: string | undefined): Route {
  if (rest === '' || rest === '/') return { kind: 'greeting' };
  if (rest === '/info' || rest === '/info/') return { kind: 'info' };
  if (rest === '/websocket' || rest === '/websocket/') return { kind: 'raw-websocket' };
  if (IFRAME.test(rest)) return { kind: 'iframe', underSlash: rest.endsWith('/') };
  if (clientScriptPath !== undefined && rest === clientScriptPath) return { kind: 'client-script' };
  const match = SESSION.exec(rest);
  if (match) {
    return {
      kind: 'session',
      serverId: match[1] as string,
      sessionId: match[2] as string,
      transport: match[3] as string,
    };
  }
  return { kind: 'not-found' };
}
