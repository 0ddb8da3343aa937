/**
 * The echo and close services of sockjs-node's own test server, on our compat entry and on sockjs
 * 0.3.24: the client's close (3000 "Go away!") and the server's events (connection with its
 * transport, data, close once) must be the same, over websocket, xhr-streaming and xhr-polling.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import { Events } from '../support/events';
import { useStarted, type Resources } from '../support/resources';
import { connectSockJs, NODE_CLIENT_TRANSPORTS, type NodeClientTransport } from '../support/sockjs-client';
import * as app from './fixtures/sockjs-app';
import * as appReference from './fixtures/sockjs-app.reference';
import { serveFixture, TARGETS, type Target } from './fixture-server';

/**
 * Errors only, and a short disconnect delay: sockjs-node (not us) notices a client's xhr close only
 * when that delay has passed, and the test waits for the server's close event.
 */
const OPTS = {
  log: (severity: string, line: string) => severity === 'error' && console.error(line),
  disconnect_delay: 300,
};

interface Observed {
  echo: { echoed: string[]; closed: { code: number; reason: string }; trace: string[] };
  close: { closed: { code: number; reason: string }; trace: string[] };
}

/**
 * The close service calls `conn.close()` before `conn.on('close')`. On a websocket sockjs-node emits
 * `close` inside `close()`, so that listener never runs (elsewhere it runs once the close frame has
 * gone); the compat entry does the same.
 */
function seesOwnClose(transport: NodeClientTransport): boolean {
  return transport !== 'websocket';
}

async function observe(
  baseUrl: string,
  trace: Events<string>,
  transport: NodeClientTransport,
  resources: Resources,
): Promise<Observed> {
  trace.items.splice(0);
  const echo = connectSockJs(`${baseUrl}/echo`, transport, resources);
  await echo.opened;
  echo.sock.send('a');
  echo.sock.send('b');
  const echoed = [...(await echo.messages.waitForCount(2, 'the echoes'))];
  echo.sock.close();
  const echoClosed = await echo.closed;
  await trace.waitFor((line) => line === '[-] echo close', 'the server to see the echo close');
  const echoTrace = trace.items.splice(0);

  const close = connectSockJs(`${baseUrl}/close`, transport, resources);
  const closed = await close.closed;
  // The client has the close frame: sockjs-node, on a websocket, has emitted its close event by then.
  if (seesOwnClose(transport)) {
    await trace.waitFor((line) => line === '[-] clos close', 'the server to see its close');
  }
  return {
    echo: { echoed, closed: { code: echoClosed.code, reason: echoClosed.reason }, trace: echoTrace },
    close: { closed: { code: closed.code, reason: closed.reason }, trace: trace.items.splice(0) },
  };
}

describe("sockjs-node's test server (echo, close)", () => {
  const traces: Record<Target, Events<string>> = { ours: new Events(), reference: new Events() };
  const servers = useStarted(async (resources) => {
    const start = (target: Target) => {
      const server = createServer();
      const install = target === 'ours' ? app.install : appReference.install;
      const services = install(OPTS, server, (line) => traces[target].push(line));
      return serveFixture({ server, services }, resources);
    };
    return { ours: await start('ours'), reference: await start('reference') };
  });

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(`${transport}: the same close and server events as sockjs 0.3.24`, async () => {
      const seen = {} as Record<Target, Observed>;
      for (const target of TARGETS) {
        seen[target] = await observe(servers.running()[target].baseUrl, traces[target], transport, servers.resources);
      }
      assert.deepEqual(seen.ours, seen.reference);
      assert.deepEqual(seen.ours, {
        echo: {
          echoed: ['a', 'b'],
          closed: { code: 1000, reason: 'Normal closure' },
          trace: [`[+] echo open ${transport}`, '[ ] echo message "a"', '[ ] echo message "b"', '[-] echo close'],
        },
        close: {
          closed: { code: 3000, reason: 'Go away!' },
          trace: [`[+] clos open ${transport}`, ...(seesOwnClose(transport) ? ['[-] clos close'] : [])],
        },
      });
    });
  }
});
