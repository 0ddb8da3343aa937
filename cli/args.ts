import { parseArgs } from 'node:util';

export const USAGE = `Usage: sockjs-ts-server [--port 8080] [--host 127.0.0.1] [--prefix /echo] [--services]

Serves a SockJS echo endpoint at --prefix (default /echo), or with --services the standard
SockJS test services (/echo, /close, /ticker, /amplify, /broadcast, /disabled_websocket_echo,
/cookie_needed_echo), STOMP at /stomp (SockJS) and /stomp-ws (websocket) with POST /publish,
and the demo page at /.

  --port <n>       port to listen on, 0 for a free one (default 8080)
  --host <addr>    address to listen on (default 127.0.0.1)
  --prefix <path>  where the echo endpoint lives (default /echo; not with --services)
  --services       the test services and the demo page instead of one echo endpoint
  -h, --help       this text

Prints "listening on http://HOST:PORT/" once it accepts connections.`;

export interface CliOptions {
  port: number;
  host: string;
  prefix: string;
  services: boolean;
  help: boolean;
}

/** A command line that cannot be run: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

export function parseCli(argv: readonly string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        prefix: { type: 'string' },
        services: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // parseArgs says what was wrong ("Unknown option '--prot'") in its message.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const port = Number(values.port ?? '8080');
  if (!/^\d+$/.test(values.port ?? '8080') || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, not "${values.port ?? ''}"`);
  }
  const prefix = values.prefix ?? '/echo';
  if (!prefix.startsWith('/') || prefix.length < 2 || prefix.endsWith('/')) {
    throw new UsageError(`--prefix must be a path like /echo (a leading slash, no trailing one), not "${prefix}"`);
  }
  const services = values.services ?? false;
  if (services && values.prefix !== undefined) {
    throw new UsageError('--prefix cannot be used with --services: the test services have fixed paths');
  }
  return { port, host: values.host ?? '127.0.0.1', prefix, services, help: values.help ?? false };
}
