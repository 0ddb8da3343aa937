/** Server under test: this project's endpoint, on a plain http server (no Express). */
import { createServer } from 'node:http';
import { createEndpoint, type Logger, type SockJsEndpoint } from '../../server';
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

const server = createServer((req, res) => {
  if (echo.handleRequest(req, res) || broadcast.handleRequest(req, res)) return;
  res.writeHead(404);
  res.end();
});
echo.attach(server);
broadcast.attach(server);

runServer('ours', server, {
  sessions: () => echo.sessions.size + broadcast.sessions.size,
  problems: () => problems.count,
});
