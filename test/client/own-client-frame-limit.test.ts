/**
 * `maxFrameLength`: a server that streams a frame without ever ending its line (broken, or
 * hostile) cannot make the client buffer without bound: past the limit the connection is dropped
 * with 1009, and a frame just under it still arrives.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { openOwnSocket } from '../support/own-client';
import { Resources } from '../support/resources';
import { listenTracked } from '../support/servers';

const resources = new Resources();
after(() => resources.closeAll());

/** A SockJS-looking server whose xhr_streaming response opens, then sends `line` in pieces (no newline unless `ended`). */
async function streamingServer(line: string, ended: boolean): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/s/info')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ websocket: false }));
    }
    if (req.url?.includes('/xhr_streaming')) {
      res.writeHead(200, { 'content-type': 'application/javascript' });
      res.write('o\n');
      for (let i = 0; i < line.length; i += 1000) res.write(line.slice(i, i + 1000));
      if (ended) res.write('\n');
      return; // held open, as a stream
    }
    res.writeHead(404).end();
  });
  const listening = await listenTracked(server);
  resources.add(listening, (l) => l.close());
  return `${listening.baseUrl}/s`;
}

test('a frame longer than maxFrameLength drops the connection with 1009', async () => {
  const url = await streamingServer('a["' + 'x'.repeat(20_000), false);
  const client = openOwnSocket(url, resources, {
    transports: ['xhr-streaming'],
    maxFrameLength: 10_000,
    reconnect: false,
  });
  const closed = await client.next('close', 10_000);
  assert.equal(closed.code, 1009);
  assert.match(closed.reason, /Frame over 10000 characters/);
});

test('a frame under maxFrameLength arrives whole', async () => {
  const url = await streamingServer('a["' + 'x'.repeat(9_000) + '"]', true);
  const client = openOwnSocket(url, resources, {
    transports: ['xhr-streaming'],
    maxFrameLength: 10_000,
    reconnect: false,
  });
  const message = await client.messages.waitFor(() => true, 'the message');
  assert.equal(message.length, 9_000);
});
