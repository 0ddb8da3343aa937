import { inspect } from 'node:util';
import { checkOptionKeys, ERROR_CATALOGUE, SockJsError } from '../../protocol';
import type { Logger, SockJsHandler } from '../handler';
import type { HandshakeInterceptor } from '../handshake';
import { ENDPOINT_OPTION_KEYS, type EndpointOptions } from '../options';

/** Our options that sockjs-node names differently (or that make no sense here): set through its name. */
type Renamed =
  | 'handler'
  | 'prefix'
  | 'heartbeatDelay'
  | 'disconnectDelay'
  | 'responseLimit'
  | 'jsessionid'
  | 'clientScriptUrl'
  | 'logger'
  | 'sockjs';

/** sockjs-node's severities: it logs with these three only. */
export type SockjsNodeSeverity = 'debug' | 'info' | 'error';

/**
 * sockjs-node 0.3's options, mapped onto ours, plus every option of ours it has no name for
 * (`allowedOrigins`, `sessionBinding`, the limits...), under our name: the way back to
 * sockjs-node's permissive behaviour, see docs/migrating-from-sockjs-node.md.
 */
export interface SockjsNodeOptions extends Omit<EndpointOptions, Renamed> {
  /** The path served; `''` (sockjs-node's default) is the root. → `prefix` (`''` → `'/'`). */
  prefix?: string;
  /** sockjs-client's URL for the iframe page. → `clientScriptUrl` (default: served by the endpoint, not a CDN). */
  sockjs_url?: string;
  /** → `heartbeatDelay`. Default 25 000 in both. */
  heartbeat_delay?: number;
  /** → `disconnectDelay`. Default 5 000 in both. */
  disconnect_delay?: number;
  /** → `responseLimit`. Default 128 KiB in both. */
  response_limit?: number;
  /** → `jsessionid`, same meaning (boolean or `(req, res) => void`). */
  jsessionid?: EndpointOptions['jsessionid'];
  /** `log(severity, line)`. → `logger` (our warn is sockjs-node's 'error'). Default: ours (warnings and errors to stderr). */
  log?: (severity: SockjsNodeSeverity, line: string) => void;
  /** faye-websocket's options: we run `ws`, not faye, so only `null` (sockjs-node's default) is taken. */
  faye_server_options?: null;
}

const SOCKJS_NODE_KEYS = [
  'prefix',
  'sockjs_url',
  'heartbeat_delay',
  'disconnect_delay',
  'response_limit',
  'websocket',
  'jsessionid',
  'log',
  'faye_server_options',
] as const satisfies readonly (keyof SockjsNodeOptions)[];

const RENAMED: readonly string[] = [
  'handler',
  'prefix',
  'heartbeatDelay',
  'disconnectDelay',
  'responseLimit',
  'jsessionid',
  'clientScriptUrl',
  'logger',
  'sockjs',
] satisfies readonly Renamed[];

/** Every key `createServer()` and `installHandlers()` take. */
export const SOCKJS_NODE_OPTION_KEYS: readonly string[] = [
  ...SOCKJS_NODE_KEYS,
  ...ENDPOINT_OPTION_KEYS.filter((key) => !RENAMED.includes(key)),
];

/** Our name → sockjs-node's, for error messages about options given under sockjs-node's name. */
const SOCKJS_NODE_NAMES: Readonly<Record<string, string>> = {
  clientScriptUrl: 'sockjs_url',
  heartbeatDelay: 'heartbeat_delay',
  disconnectDelay: 'disconnect_delay',
  responseLimit: 'response_limit',
};

/** `error`, its message naming the sockjs-node option too when it names one of ours that was renamed. */
export function inSockjsNodeTerms(error: unknown): unknown {
  if (!(error instanceof SockJsError) || error.code !== 'ERR_INVALID_OPTION') return error;
  const ours = Object.keys(SOCKJS_NODE_NAMES).find((name) => error.message.includes(`: ${name} `));
  if (ours === undefined) return error;
  const detail = error.message.slice(`${ERROR_CATALOGUE.ERR_INVALID_OPTION.message}: `.length);
  return new SockJsError('ERR_INVALID_OPTION', `${SOCKJS_NODE_NAMES[ours]} (our ${detail})`, { cause: error });
}

function invalid(name: string, why: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `${name} ${why}`);
}

/** Throws `ERR_INVALID_OPTION` on a key neither sockjs-node nor we know (sockjs-node ignored them). */
export function checkSockjsNodeKeys(what: string, options: unknown): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw invalid('options', 'must be an object');
  checkOptionKeys(what, options, SOCKJS_NODE_OPTION_KEYS);
}

/** Our logger, writing `log(severity, line)` lines as sockjs-node's did. */
function loggerFor(log: unknown): Logger {
  if (typeof log !== 'function') throw invalid('log', 'must be a function (severity, line)');
  const write = (severity: SockjsNodeSeverity) => (obj: object, msg?: string) => {
    const detail = Object.keys(obj).length > 0 ? ` ${inspect(obj, { breakLength: Infinity, depth: 2 })}` : '';
    (log as (severity: SockjsNodeSeverity, line: string) => void)(severity, `${msg ?? ''}${detail}`);
  };
  // sockjs-node has no 'warn': what we warn about (a client breaking the protocol) it called an error.
  return { debug: write('debug'), info: write('info'), warn: write('error'), error: write('error') };
}

/**
 * The endpoint options for merged sockjs-node options (the server's, then `installHandlers`'),
 * with `interceptor` (the one that records the connection's details) run first. Checks only what
 * `resolveOptions` cannot (it checks the rest when the endpoint is made).
 */
export function toEndpointOptions(
  options: SockjsNodeOptions,
  handler: SockJsHandler,
  interceptor: HandshakeInterceptor,
): EndpointOptions {
  const {
    prefix,
    sockjs_url,
    heartbeat_delay,
    disconnect_delay,
    response_limit,
    jsessionid,
    log,
    faye_server_options,
    interceptors,
    ...ours
  } = options;
  if (faye_server_options !== undefined && faye_server_options !== null) {
    throw invalid('faye_server_options', 'cannot be honoured: websockets are served by ws, not faye-websocket');
  }
  const mapped: EndpointOptions = {
    ...ours,
    // sockjs-node's default prefix '' is the root, which we spell '/'.
    prefix: prefix === undefined || prefix === '' ? '/' : prefix,
    handler,
    // A non-array is passed on as given, for resolveOptions to refuse.
    interceptors: Array.isArray(interceptors)
      ? [interceptor, ...(interceptors as readonly HandshakeInterceptor[])]
      : (interceptors ?? [interceptor]),
  };
  if (sockjs_url !== undefined) mapped.clientScriptUrl = sockjs_url;
  if (heartbeat_delay !== undefined) mapped.heartbeatDelay = heartbeat_delay;
  if (disconnect_delay !== undefined) mapped.disconnectDelay = disconnect_delay;
  if (response_limit !== undefined) mapped.responseLimit = response_limit;
  if (jsessionid !== undefined) mapped.jsessionid = jsessionid;
  if (log !== undefined) mapped.logger = loggerFor(log);
  return mapped;
}
