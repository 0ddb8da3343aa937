/**
 * The practical bound for the websocket transport: `ws` writing SockJS frames (`o`, `a[...]`, `h`)
 * with no sessions, no queue, no per-session timers (one interval sends every heartbeat).
 */
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ProblemCounter, readConfig, runServer } from './control';

const config = readConfig();
const problems = new ProblemCounter();
const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
const echoSockets = new Set<WebSocket>();
const broadcastSockets = new Set<WebSocket>();

/** The client sends a JSON array of messages per websocket message (or one JSON string). */
function decode(data: RawData): string[] | undefined {
  try {
    const value: unknown = JSON.parse(data.toString());
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((m) => typeof m === 'string')) return value;
  } catch {
    // broken framing: dropped below
  }
  return undefined;
}

function accept(ws: WebSocket, members: Set<WebSocket>, onMessages: (ws: WebSocket, messages: string[]) => void): void {
  members.add(ws);
  ws.send('o');
  ws.on('message', (data) => {
    const messages = decode(data);
    if (messages === undefined) ws.terminate();
    else if (messages.length > 0) onMessages(ws, messages);
  });
  ws.on('close', () => members.delete(ws));
  ws.on('error', (error) => problems.note(error.message));
}

const ROUTE = /^\/(echo|broadcast)\/[^/.]+\/[^/.]+\/websocket$/;

const server = createServer((_req, res) => {
  res.writeHead(404);
  res.end();
});
server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
  const service = ROUTE.exec(req.url ?? '')?.[1];
  if (service === undefined) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (service === 'echo') accept(ws, echoSockets, (from, messages) => from.send('a' + JSON.stringify(messages)));
    else {
      accept(ws, broadcastSockets, (_from, messages) => {
        // One frame, encoded once, for everybody.
        const frame = Buffer.from('a' + JSON.stringify(messages));
        for (const member of broadcastSockets) member.send(frame, { binary: false });
      });
    }
  });
});

const heartbeats = setInterval(() => {
  for (const members of [echoSockets, broadcastSockets]) for (const ws of members) ws.send('h');
}, config.heartbeatDelay);
heartbeats.unref();

runServer('bare-ws', server, {
  sessions: () => echoSockets.size + broadcastSockets.size,
  problems: () => problems.count,
});
