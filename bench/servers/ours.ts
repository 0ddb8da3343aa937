/** Server under test: this project's endpoint, on a plain http server (no Express). */
import { createServer } from 'node:http';
import { createEndpoint, type Logger, type SockJsEndpoint } from '../../server';
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
// A message from any session goes to every session.
const broadcast: SockJsEndpoint = createEndpoint({
  ...common,
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

runServer('ours', server, {
  sessions: () => endpoints.reduce((sum, endpoint) => sum + endpoint.sessions.size, 0),
  problems: () => problems.count,
});
