// Scratch app (ESM): the installed `sockjs-ts-server/stomp` entry — a STOMP topic round trip over a plain websocket.
import { createServer } from 'node:http';
import WebSocket from 'ws';
import { createEndpoint } from 'sockjs-ts-server';
import { createStompServer } from 'sockjs-ts-server/stomp';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const stomp = createStompServer({ logger: quiet });
const endpoint = createEndpoint({
  prefix: '/stomp',
  sockjs: false,
  handler: stomp.handler,
  subprotocols: stomp.subprotocols,
  logger: quiet,
});
const server = createServer();
endpoint.attach(server);
setTimeout(() => process.exit(4), 10_000).unref();
server.listen(0, '127.0.0.1', () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.address().port}/stomp`, ['v12.stomp']);
  let received = '';
  ws.on('open', () => {
    ws.send('CONNECT\naccept-version:1.2\nhost:x\n\n\0');
    ws.send('SUBSCRIBE\nid:0\ndestination:/topic/t\nreceipt:r\n\n\0');
  });
  ws.on('message', async (data) => {
    received += data.toString();
    if (received.includes('RECEIPT') && !received.includes('MESSAGE')) {
      const reached = stomp.template.convertAndSend('/topic/t', 'hello');
      if (reached !== 1) process.exit(5);
      return;
    }
    if (!received.includes('MESSAGE')) return;
    ws.close();
    await endpoint.close({ flushTimeout: 0 });
    server.close();
    console.log(`stomp ${ws.protocol} ${received.endsWith('hello\0') ? 'hello' : 'garbled'}`);
    process.exit(0);
  });
});
