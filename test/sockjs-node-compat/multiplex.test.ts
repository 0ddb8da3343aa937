/**
 * sockjs-node's multiplex example (websocket-multiplex 0.1 on top) on our compat entry and on sockjs
 * 0.3.24. The client speaks websocket-multiplex's protocol (`sub,<channel>`, `msg,<channel>,<data>`,
 * `uns,<channel>`) over sockjs-client, as its browser multiplex_client.js does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { useStarted, type Resources } from '../support/resources';
import { connectSockJs, NODE_CLIENT_TRANSPORTS, type NodeClientTransport } from '../support/sockjs-client';
import * as multiplex from './fixtures/multiplex';
import * as multiplexReference from './fixtures/multiplex.reference';
import { serveFixture, TARGETS, type Target } from './fixture-server';

const SOURCES = path.resolve(__dirname, '../../../test/sockjs-node-compat/fixtures');

/** Each step's frames, sent one after the other, and how many replies each one gets. */
const STEPS: readonly [send: string, replies: number][] = [
  ['sub,ann', 1],
  ['msg,ann,hello, there', 1],
  ['sub,bob', 1],
  ['msg,bob,tea?', 1],
  ['sub,carl', 2],
  ['uns,ann', 0],
  ['msg,ann,still there?', 0],
  ['msg,bob,bye', 1],
];

async function observe(baseUrl: string, transport: NodeClientTransport, resources: Resources): Promise<string[]> {
  const client = connectSockJs(`${baseUrl}/multiplex`, transport, resources);
  await client.opened;
  let expected = 0;
  for (const [frame, replies] of STEPS) {
    client.sock.send(frame);
    expected += replies;
    await client.messages.waitForCount(expected, `the replies to ${frame}`);
  }
  client.sock.close();
  await client.closed;
  return [...client.messages.items];
}

describe("sockjs-node's multiplex example", () => {
  const servers = useStarted(async (resources) => ({
    ours: await serveFixture(multiplex.start(), resources),
    reference: await serveFixture(multiplexReference.start(), resources),
  }));

  test('the fixture differs from its reference twin in the import line only', () => {
    const lines = (file: string): string[] =>
      readFileSync(path.join(SOURCES, file), 'utf8')
        .split('\n')
        .filter(
          (line) => !line.includes("require('../../../server/sockjs-node')") && !line.includes("require('sockjs')"),
        );
    assert.deepEqual(lines('multiplex.ts'), lines('multiplex.reference.ts'));
  });

  for (const transport of NODE_CLIENT_TRANSPORTS) {
    test(`${transport}: the same channel replies as sockjs 0.3.24`, async () => {
      const seen = {} as Record<Target, string[]>;
      for (const target of TARGETS)
        seen[target] = await observe(servers.running()[target].baseUrl, transport, servers.resources);
      assert.deepEqual(seen.ours, seen.reference);
      assert.deepEqual(seen.ours, [
        'msg,ann,Ann says hi!',
        'msg,ann,Ann nods: hello, there',
        "msg,bob,Bob doesn't agree.",
        'msg,bob,Bob says no to: tea?',
        'msg,carl,Carl says goodbye!',
        'uns,carl',
        'msg,bob,Bob says no to: bye',
      ]);
    });
  }
});
