// Scratch app (ESM, Express 5): the installed package's `import` entries, echo through sockjs-client.
import { createServer } from 'node:http';
import express from 'express';
import { createEndpoint } from 'sockjs-ts-server';
import { logging } from 'sockjs-ts-server/spring';
import { openSockJs } from 'sockjs-ts-server/client';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const app = express();
const server = createServer(app);
const echo = createEndpoint({
  prefix: '/echo',
  handler: { onMessage: (session, message) => session.send(message) },
  logger: quiet,
});
if (typeof logging !== 'function') process.exit(6);
app.use(echo.prefix, echo.middleware);
echo.attach(server);
setTimeout(() => process.exit(4), 10_000).unref();
server.listen(0, '127.0.0.1', () => {
  const client = openSockJs(`http://127.0.0.1:${server.address().port}/echo`);
  client.onopen = () => client.send('ping');
  client.onmessage = async ({ data }) => {
    client.close();
    await echo.close({ flushTimeout: 0 });
    server.close();
    console.log(`echo ${data} over ${express.application.del ? 'express 4' : 'express 5'}`);
    process.exit(data === 'ping' ? 0 : 3);
  };
});
