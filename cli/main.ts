#!/usr/bin/env node
/**
 * `npx sockjs-ts-server`: an echo endpoint, or the standard test services and the demo page, on a
 * plain node:http server (no Express needed). Exit codes: 0 after SIGINT/SIGTERM, 1 when it cannot
 * listen, 2 for a bad command line.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEndpoint, type EndpointOptions, type SockJsEndpoint } from '../server';
import { parseCli, UsageError, USAGE, type CliOptions } from './args';
import { demoPage } from './page';
import { echo, testServiceOptions } from './services';
import { stompServices, type StompServices } from './stomp-services';

function endpointsFor(options: CliOptions, stomp: StompServices | undefined): SockJsEndpoint[] {
  const services: EndpointOptions[] = options.services
    ? [...testServiceOptions(), ...(stomp?.endpoints ?? [])]
    : [{ prefix: options.prefix, handler: echo, allowedOrigins: ['*'] }];
  return services.map((service) => createEndpoint(service));
}

function serve(options: CliOptions): void {
  // With --services, STOMP too (/stomp, /stomp-ws, POST /publish); the chat page is the demo's.
  const stomp = options.services ? stompServices() : undefined;
  const endpoints = endpointsFor(options, stomp);
  const page = options.services ? demoPage(endpoints[0]?.clientScriptUrl ?? '') : undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (endpoints.some((endpoint) => endpoint.handleRequest(req, res))) return;
    if (stomp && (req.url === '/publish' || req.url?.startsWith('/publish?'))) {
      stomp.publish(req, res);
      return;
    }
    if (page !== undefined && (req.url === '/' || req.url?.startsWith('/?'))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.\n');
  });
  for (const endpoint of endpoints) endpoint.attach(server);
  server.once('error', (error) => {
    console.error(`sockjs-ts-server: ${error.message}`);
    process.exit(1);
  });
  server.listen(options.port, options.host, () => {
    const { port } = server.address() as AddressInfo;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const paths = endpoints.map((endpoint) => endpoint.prefix).join(' ');
    console.log(`listening on http://${host}:${port}/ (SockJS at ${paths})`);
  });
  const stop = (): void => {
    server.close();
    Promise.all(endpoints.map((endpoint) => endpoint.close({ flushTimeout: 1000 }))).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function main(argv: readonly string[]): void {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`sockjs-ts-server: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  serve(options);
}

main(process.argv.slice(2));
