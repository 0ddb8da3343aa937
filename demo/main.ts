import { createServer } from 'node:http';
import express from 'express';
import { Registry } from 'prom-client';
import { createRedisBus, type RedisClusterBus } from '../server/cluster';
import { registerMetrics } from '../server/metrics';
import { mountDemoPage } from './demo-page';
import { startPrimaryIfAsked, stickyListening } from './node-cluster';
import { sharedSessions, type SharedSessions } from './redis-session-store';
import { mountSpringDemo } from './spring-demo';
import { mountStompDemo, STOMP_CHAT_PATH } from './stomp-demo';
import { listen, mountTestServices } from './test-services';

/**
 * With `REDIS_URL`, this node joins a cluster: the test services' `broadcast`, `sendTo` and
 * `sendToUser` (and `/secure`'s `POST /notify`), the STOMP topics and `/user` destinations (and so
 * `POST /publish`) reach sessions on every node started so. `NODE_ID`
 * names the node (default: host and pid).
 */
async function joinCluster(): Promise<RedisClusterBus | undefined> {
  const url = process.env.REDIS_URL;
  if (url === undefined || url === '') return undefined;
  const bus = createRedisBus({ url, ...(process.env.NODE_ID ? { nodeId: process.env.NODE_ID } : {}) });
  await bus.start();
  console.log(`joined the cluster on ${url} as ${bus.nodeId}`);
  return bus;
}

/**
 * `npm start`: the standard SockJS test services, the demo page (sockjs-client or our client, whose
 * bundle is at `/client/browser.mjs`), the STOMP chat (`/stomp.html`,
 * `/stomp`, `/stomp-ws`, `POST /publish`) and `/metrics` (Prometheus) on HOST:PORT.
 */
async function main(): Promise<void> {
  const bus = await joinCluster();
  // In a cluster the logins live in Redis too: a login on one node holds on every node.
  const sessions: SharedSessions | undefined = bus ? await sharedSessions(process.env.REDIS_URL ?? '') : undefined;
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const registry = mountSpringDemo(app, server, [], bus, sessions);
  const cluster = bus ? { cluster: bus } : {};
  const endpoints = [...mountTestServices(app, server, cluster), ...mountStompDemo(app, server, cluster).endpoints];
  mountDemoPage(app, endpoints, { links: [{ href: STOMP_CHAT_PATH, label: 'STOMP chat (alice/alice, bob/bob)' }] });
  // Every endpoint's stats() in the Prometheus text format, read when scraped.
  const metrics = new Registry();
  registerMetrics([...endpoints, registry.endpoint('/secure'), registry.endpoint('/ws')], { registry: metrics });
  app.get('/metrics', (_req, res, next) => {
    metrics.metrics().then((text) => res.type(metrics.contentType).send(text), next);
  });
  const port = Number(process.env.PORT ?? 8080);
  const sticky = stickyListening();
  const host = process.env.HOST ?? '127.0.0.1';
  const running = await listen(server, app, endpoints, { host, port, ...(sticky ? { listening: sticky } : {}) });
  running.onClose(() => registry.close({ flushTimeout: 5_000 }));
  if (sticky) console.log(`worker ${process.pid} takes its connections from the sticky primary`);
  else console.log(`SockJS test services and demo on ${running.baseUrl}/`);
  const stop = (): void => {
    // The drain: endpoints first (each refuses new sessions, leaves the cluster registry at once, then
    // closes its sessions with 1001 so clients move to another node), then the bus.
    running
      .close(5_000)
      .then(async () => {
        await bus?.close();
        await sessions?.close();
      })
      .then(
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

/** `WORKERS=N`: this process is the sticky primary (demo/node-cluster.ts), else the demo server itself. */
startPrimaryIfAsked()
  .then(async (primary) => (primary ? undefined : main()))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
