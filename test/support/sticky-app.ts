/**
 * A minimal program on the sticky primary for the library's own tests: the primary (options from
 * STICKY_TEST_OPTIONS, JSON) prints `port <n> <slot>=<pid>...`; each worker answers every request
 * with `<slot> <method> <url> <body>` (the body read whole, so a body sent late shows whether its
 * bytes reached the worker).
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { acceptStickyConnections, startStickyPrimary, type StickyPrimaryOptions } from '../../server/cluster';

async function primary(): Promise<void> {
  const options = JSON.parse(process.env.STICKY_TEST_OPTIONS ?? '{}') as StickyPrimaryOptions;
  const started = await startStickyPrimary({ host: '127.0.0.1', ...options });
  const pids = started.liveWorkers().map((worker) => `w${worker.index}=${worker.pid}`);
  console.log(`port ${started.port} ${pids.join(' ')}`);
}

function worker(): void {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () =>
      res.end(`w${process.env.SOCKJS_STICKY_WORKER ?? '?'} ${req.method ?? ''} ${req.url ?? ''} ${body}`),
    );
  });
  acceptStickyConnections(server);
}

if (cluster.isPrimary) {
  primary().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  worker();
}
