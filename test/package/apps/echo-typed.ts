// Scratch app (TypeScript, strict), compiled twice: NodeNext (as .mts) and bundler resolution.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createEndpoint, type SockJsHandler } from 'sockjs-ts-server';
import { WebSocketHandlerRegistry, exceptionHandling } from 'sockjs-ts-server/spring';
import { openSockJs, type SockJsClient } from 'sockjs-ts-server/client';

const handler: SockJsHandler = {
  onOpen: (session) => session.send('hello'),
  onMessage: (session, message) => session.send(message),
};
const app = express();
const server = createServer(app);
const registry = new WebSocketHandlerRegistry();
registry.addHandler(handler, '/echo').addDecorators(exceptionHandling()).withSockJS();
registry.mount(app, server);
if (typeof createEndpoint !== 'function') process.exit(6);
setTimeout(() => process.exit(4), 10_000).unref();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const client: SockJsClient = openSockJs(`http://127.0.0.1:${port}/echo`);
  const seen: string[] = [];
  client.onmessage = ({ data }) => {
    seen.push(data);
    if (data === 'hello') client.send('ping');
    else void finish();
  };
  const finish = async (): Promise<void> => {
    client.close();
    await registry.close({ flushTimeout: 0 });
    server.close();
    console.log(`echo ${seen.join(' ')}`);
    process.exit(seen.join(' ') === 'hello ping' ? 0 : 3);
  };
});
