/**
 * The connection object, side by side with sockjs 0.3.24's: its properties at `connection`, what
 * write/end/close/destroy return and do, the order of `end` and `close` and the readyState they
 * see, over websocket, xhr-streaming and xhr-polling. The probe service is the same code on both.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, test } from 'node:test';
import { Events } from '../support/events';
import { useStarted, type Resources } from '../support/resources';
import { connectSockJs, NODE_CLIENT_TRANSPORTS, type NodeClientTransport } from '../support/sockjs-client';
import { WsClient } from '../support/ws-client';
import * as compat from '../../server/sockjs-node';
import type { Connection, SockjsNodeModule } from './fixtures/sockjs-node-module';
import { serveFixture, TARGETS, type Target } from './fixture-server';

const MODULES: Record<Target, SockjsNodeModule> = {
  ours: compat,
  reference: require('sockjs') as SockjsNodeModule,
};

const OPTS = {
  log: (severity: string, line: string) => severity === 'error' && console.error(line),
  disconnect_delay: 300,
};

interface ProbeConnection extends Connection {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly address?: { address?: string; family?: string };
  readonly url?: string;
  readonly pathname?: string;
  readonly prefix?: string;
  readonly headers: Record<string, unknown>;
  readonly readable: boolean;
  readonly writable: boolean;
  destroy(): void;
}

type Record_ = Record<string, unknown>;

/** The session id and server id of a transport URL are random: keep the shape. */
function shape(url: string | undefined): string | undefined {
  return url?.replace(/\/[^/]+\/[^/]+\/([a-z_]+)$/, '/<server>/<session>/$1');
}

function describeConnection(conn: ProbeConnection): Record_ {
  return {
    id: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(conn.id),
    remoteAddress: conn.remoteAddress,
    remotePort: typeof conn.remotePort,
    address: { address: conn.address?.address, family: conn.address?.family },
    url: shape(conn.url),
    pathname: shape(conn.pathname),
    prefix: conn.prefix,
    protocol: conn.protocol,
    readyState: conn.readyState,
    readable: conn.readable,
    writable: conn.writable,
    headers: Object.keys(conn.headers).sort(),
    string: String(conn) === `<SockJSConnection ${conn.id}>`,
  };
}

function probe(sockjs: SockjsNodeModule, server: Server, record: Events<Record_>): void {
  const service = sockjs.createServer(OPTS);
  service.on('connection', (conn: ProbeConnection) => {
    record.push({ event: 'connection', ...describeConnection(conn) });
    conn.on('data', (message: string) => {
      if (message === 'end') {
        const returned = conn.end('bye');
        record.push({ event: 'end()', returned, readyState: conn.readyState, write: conn.write('late') });
      } else if (message === 'close') {
        record.push({ event: 'close()', returned: conn.close(4001, 'custom'), again: conn.close() });
      } else if (message === 'destroy') {
        conn.destroy();
        record.push({ event: 'destroy()', listeners: conn.listenerCount('close') + conn.listenerCount('data') });
      } else {
        record.push({ event: 'data', message, write: conn.write(message) });
      }
    });
    conn.on('end', () => record.push({ event: 'end', readyState: conn.readyState }));
    conn.on('close', () => record.push({ event: 'close', readyState: conn.readyState, write: conn.write('x') }));
  });
  service.installHandlers(server, { prefix: '/probe' });
}

const PATHS: Record<NodeClientTransport, string> = {
  websocket: 'websocket',
  'xhr-streaming': 'xhr_streaming',
  'xhr-polling': 'xhr',
};

interface Observed {
  client: { messages: string[]; closed: { code: number; reason: string } };
  server: Record_[];
}

async function observe(
  baseUrl: string,
  record: Events<Record_>,
  transport: NodeClientTransport,
  command: string,
  resources: Resources,
): Promise<Observed> {
  record.items.splice(0);
  const client = connectSockJs(`${baseUrl}/probe`, transport, resources);
  await client.opened;
  client.sock.send('ping');
  await client.message(0);
  client.sock.send(command);
  const { code, reason } = await client.closed;
  // destroy() removed the listeners: no close event to wait for, then.
  const last = command === 'destroy' ? 'destroy()' : 'close';
  await record.waitFor((r) => r.event === last, `the server's ${last}`);
  return { client: { messages: [...client.messages.items], closed: { code, reason } }, server: record.items.splice(0) };
}

describe('the connection object, against sockjs 0.3.24', () => {
  const records: Record<Target, Events<Record_>> = { ours: new Events(), reference: new Events() };
  const servers = useStarted(async (resources) => {
    const start = (target: Target) => {
      const server = createServer();
      probe(MODULES[target], server, records[target]);
      return serveFixture({ server, services: [] }, resources);
    };
    return { ours: await start('ours'), reference: await start('reference') };
  });

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    for (const command of ['end', 'close', 'destroy']) {
      test(`${transport}, ${command}(): the same properties, returns and events`, async () => {
        const seen = {} as Record<Target, Observed>;
        for (const target of TARGETS) {
          seen[target] = await observe(
            servers.running()[target].baseUrl,
            records[target],
            transport,
            command,
            servers.resources,
          );
        }
        assert.deepEqual(seen.ours, seen.reference);
        const [opened] = seen.ours.server;
        assert.deepEqual(opened, {
          event: 'connection',
          id: true,
          remoteAddress: '127.0.0.1',
          remotePort: 'number',
          address: { address: '127.0.0.1', family: 'IPv4' },
          url: shape(`/probe/0/0/${PATHS[transport]}`),
          pathname: shape(`/probe/0/0/${PATHS[transport]}`),
          prefix: '/probe',
          protocol: transport,
          readyState: 1,
          readable: true,
          writable: true,
          headers: opened?.headers,
          string: true,
        });
      });
    }
  }

  for (const command of ['end', 'close']) {
    test(`raw websocket (prefix/websocket), ${command}(): the same properties, returns and events`, async () => {
      const seen = {} as Record<Target, Observed>;
      for (const target of TARGETS) {
        records[target].items.splice(0);
        const ws = servers.resources.add(
          await WsClient.open(`${servers.running()[target].baseUrl.replace('http', 'ws')}/probe/websocket`),
          (client) => client.terminate(),
        );
        ws.send('ping');
        await ws.message(0);
        ws.send(command);
        const { code, reason } = await ws.waitForClose();
        await records[target].waitFor((r) => r.event === 'close', "the server's close");
        seen[target] = {
          client: { messages: [...ws.unread], closed: { code, reason } },
          server: records[target].items.splice(0),
        };
      }
      assert.deepEqual(seen.ours, seen.reference);
      assert.equal(seen.ours.server[0]?.protocol, 'websocket-raw');
      assert.equal(seen.ours.server[0]?.url, '/probe/websocket');
      assert.deepEqual(
        seen.ours.client.closed,
        command === 'end' ? { code: 1000, reason: 'Normal closure' } : { code: 4001, reason: 'custom' },
      );
      if (command === 'end') assert.ok(seen.ours.client.messages.includes('bye'), 'end() wrote its message');
    });
  }
});
