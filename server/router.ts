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
  | { kind: 'iframe' }
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

export function matchRoute(rest: string, clientScriptPath: string | undefined): Route {
  if (rest === '' || rest === '/') return { kind: 'greeting' };
  if (rest === '/info' || rest === '/info/') return { kind: 'info' };
  if (rest === '/websocket' || rest === '/websocket/') return { kind: 'raw-websocket' };
  if (IFRAME.test(rest)) return { kind: 'iframe' };
  if (clientScriptPath !== undefined && rest === clientScriptPath) return { kind: 'client-script' };
  const match = SESSION.exec(rest);
  if (match) {
    return { kind: 'session', serverId: match[1] as string, sessionId: match[2] as string, transport: match[3] as string };
  }
  return { kind: 'not-found' };
}
