/** Server under test: this project's endpoint, on a plain http server (no Express). */
import { createServer } from 'node:http';
import { createEndpoint, type Logger, type SockJsEndpoint } from '../../server';
import { createRedisBus } from '../../server/cluster';
import { createStompServer } from '../../server/stomp';
import { ProblemCounter, readConfig, runServer } from './control';

const config = readConfig();
const problems = new ProblemCounter();
const logger: Logger = {
  debug() {},
  info() {},
  warn: (_obj, msg) => problems.note(`warn ${msg ?? ''}`),
  error: (_obj, msg) => problems.note(`error ${msg ?? ''}`),
};
const common = {
  allowedOrigins: ['*'],
  heartbeatDelay: config.heartbeatDelay,
  disconnectDelay: config.disconnectDelay,
  logger,
};

const echo = createEndpoint({
  ...common,
  prefix: '/echo',
  handler: { onMessage: (session, message) => void session.send(message) },
});
// cluster-fanout: /broadcast on the Redis bus, so a broadcast reaches the sessions of every node.
const bus = config.cluster ? createRedisBus({ ...config.cluster, logger }) : undefined;
// A message from any session goes to every session (of every node, with the bus).
const broadcast: SockJsEndpoint = createEndpoint({
  ...common,
  ...(bus ? { cluster: bus } : {}),
  prefix: '/broadcast',
  handler: { onMessage: (_session, message) => void broadcast.broadcast(message) },
});

// STOMP (the stomp-* scenarios): the in-memory broker's /topic, and /app/echo answering the sender
// alone on /user/queue/echo. Clients ask for no heart-beats.
const stomp = createStompServer({ logger });
stomp.messageMapping('/echo', (message) => message.body, { sendToUser: '/queue/echo', broadcast: false });
const stompCommon = { ...common, handler: stomp.handler, subprotocols: stomp.subprotocols };
const stompSockJs = createEndpoint({ ...stompCommon, prefix: '/stomp' });
const stompWs = createEndpoint({ ...stompCommon, prefix: '/stomp-ws', sockjs: false });

const endpoints = [echo, broadcast, stompSockJs, stompWs];
const server = createServer((req, res) => {
  if (endpoints.some((endpoint) => endpoint.handleRequest(req, res))) return;
  res.writeHead(404);
  res.end();
});
for (const endpoint of endpoints) endpoint.attach(server);

const hooks = {
  sessions: () => endpoints.reduce((sum, endpoint) => sum + endpoint.sessions.size, 0),
  problems: () => problems.count,
  bus: () => ({ ...bus?.stats() }),
};
// With a bus the node listens only once it has joined: the runner's first broadcast must reach it.
if (bus) {
  bus.start().then(
    () => runServer('ours', server, hooks),
    (error: unknown) => {
      problems.note(`error cluster bus did not start: ${String(error)}`);
      process.exit(1);
    },
  );
} else runServer('ours', server, hooks);
