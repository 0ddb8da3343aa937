// Scratch app (CommonJS, Express 4): the installed package's `require` entries, echo through sockjs-client.
const { createServer } = require('node:http');
const express = require('express');
const { createEndpoint } = require('sockjs-ts-server');
const { perConnection } = require('sockjs-ts-server/spring');
const { openSockJs } = require('sockjs-ts-server/client');

const app = express();
const server = createServer(app);
const echo = createEndpoint({
  prefix: '/echo',
  handler: perConnection(() => ({ onMessage: (session, message) => session.send(message) })),
});
app.use(echo.prefix, echo.middleware);
echo.attach(server);
setTimeout(() => process.exit(4), 10_000).unref();
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  // The default endpoint serves the sockjs-client it depends on.
  const script = await fetch(base + echo.clientScriptUrl);
  if (script.status !== 200) process.exit(5);
  const client = openSockJs(`${base}/echo`, { transports: ['xhr-streaming'] });
  client.onopen = () => client.send('ping');
  client.onmessage = async ({ data }) => {
    client.close();
    await echo.close({ flushTimeout: 0 });
    server.close();
    console.log(`echo ${data} over ${express.application.del ? 'express 4' : 'express 5'}`);
    process.exit(data === 'ping' ? 0 : 3);
  };
});
