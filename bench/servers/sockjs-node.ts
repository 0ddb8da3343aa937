/** The reference: sockjs-node 0.3.24 with the same services, its log silenced. */
import { createServer, type Server } from 'node:http';
import type { EventEmitter } from 'node:events';
import { ProblemCounter, readConfig, runServer } from './control';

/** The parts of sockjs-node's API used here (it ships no types). */
interface SockjsConnection extends EventEmitter {
  readonly id: string;
  write(data: string): boolean;
}

interface SockjsServer extends EventEmitter {
  installHandlers(server: Server, options: { prefix: string }): boolean;
}

interface SockjsModule {
  createServer(options: {
    sockjs_url: string;
    heartbeat_delay: number;
    disconnect_delay: number;
    log: (severity: string, line: string) => void;
  }): SockjsServer;
}

const sockjs = require('sockjs') as SockjsModule;
const config = readConfig();
const problems = new ProblemCounter();
const options = {
  sockjs_url: 'http://127.0.0.1/sockjs.js',
  heartbeat_delay: config.heartbeatDelay,
  disconnect_delay: config.disconnectDelay,
  log: (severity: string, line: string) => {
    if (severity === 'error') problems.note(line);
  },
};

let open = 0;
function track(service: SockjsServer, onConnection: (conn: SockjsConnection) => void): SockjsServer {
  service.on('connection', (conn: SockjsConnection) => {
    open++;
    conn.on('close', () => open--);
    onConnection(conn);
  });
  return service;
}

const echo = track(sockjs.createServer(options), (conn) => {
  conn.on('data', (message: string) => conn.write(message));
});

const members = new Set<SockjsConnection>();
const broadcast = track(sockjs.createServer(options), (conn) => {
  members.add(conn);
  conn.on('close', () => members.delete(conn));
  conn.on('data', (message: string) => {
    for (const member of members) member.write(message);
  });
});

const server = createServer((_req, res) => {
  res.writeHead(404);
  res.end();
});
echo.installHandlers(server, { prefix: '/echo' });
broadcast.installHandlers(server, { prefix: '/broadcast' });

runServer('sockjs-node', server, { sessions: () => open, problems: () => problems.count });
