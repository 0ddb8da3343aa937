/**
 * sockjs-node's echo and express examples, run twice: on our compat entry and on sockjs 0.3.24
 * itself, driven by sockjs-client over websocket, xhr-streaming and xhr-polling; what the client
 * and the server's other listeners show must be the same.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { describe, test } from 'node:test';
import { useStarted, type Resources } from '../support/resources';
import { connectSockJs, NODE_CLIENT_TRANSPORTS, type NodeClientTransport } from '../support/sockjs-client';
import * as compat from '../../server/sockjs-node';
import * as echo from './fixtures/echo';
import * as echoReference from './fixtures/echo.reference';
import * as expressEcho from './fixtures/express';
import * as expressReference from './fixtures/express.reference';
import type { SockjsNodeModule, Started } from './fixtures/sockjs-node-module';
import { serveFixture, TARGETS, type Target } from './fixture-server';

// Our entry has (at least) the API the fixtures use: a type error here otherwise.
void (compat satisfies SockjsNodeModule);

/** Where the fixtures' sources are, from dist/test/sockjs-node-compat. */
const SOURCES = path.resolve(__dirname, '../../../test/sockjs-node-compat/fixtures');

const MESSAGES = ['hello', 'ünïcödé ☃ 😀', '"quoted" \\ \u2028 \u0000', 'x'.repeat(10_000)];

interface Observed {
  transport: string | null | undefined;
  echoed: string[];
  closed: { code: number; reason: string };
  page: { status: number | undefined; body: string };
  welcome: { status: number | undefined; body: string };
}

function get(url: string): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function observe(baseUrl: string, transport: NodeClientTransport, resources: Resources): Promise<Observed> {
  const client = connectSockJs(`${baseUrl}/echo`, transport, resources);
  await client.opened;
  for (const message of MESSAGES) client.sock.send(message);
  const echoed = await client.messages.waitForCount(MESSAGES.length, 'the echoes');
  client.sock.close();
  const { code, reason } = await client.closed;
  return {
    transport: client.transportAtOpen,
    echoed: [...echoed],
    closed: { code, reason },
    page: await get(`${baseUrl}/`),
    welcome: await get(`${baseUrl}/echo`),
  };
}

const FIXTURES: Record<string, Record<Target, () => Started>> = {
  echo: { ours: echo.start, reference: echoReference.start },
  express: { ours: expressEcho.start, reference: expressReference.start },
};

for (const [name, twins] of Object.entries(FIXTURES)) {
  describe(`sockjs-node's ${name} example`, () => {
    const servers = useStarted(async (resources) => ({
      ours: await serveFixture(twins.ours(), resources),
      reference: await serveFixture(twins.reference(), resources),
    }));

    test('the fixture differs from its reference twin in the import line only', () => {
      const lines = (file: string): string[] =>
        readFileSync(path.join(SOURCES, file), 'utf8')
          .split('\n')
          .filter((line) => !line.includes('require('));
      assert.deepEqual(lines(`${name}.ts`), lines(`${name}.reference.ts`));
    });

    for (const transport of NODE_CLIENT_TRANSPORTS) {
      test(`${transport}: the same echoes, close and pages as sockjs 0.3.24`, async () => {
        const { resources } = servers;
        const seen = {} as Record<Target, Observed>;
        for (const target of TARGETS)
          seen[target] = await observe(servers.running()[target].baseUrl, transport, resources);
        assert.deepEqual(seen.ours, seen.reference);
        // Not the same nonsense on both sides: what the example promises.
        assert.equal(seen.ours.transport, transport);
        assert.deepEqual(seen.ours.echoed, MESSAGES);
        assert.equal(seen.ours.welcome.body, 'Welcome to SockJS!\n');
        assert.equal(seen.ours.page.status, 200);
      });
    }
  });
}
