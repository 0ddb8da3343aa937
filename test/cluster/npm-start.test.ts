/**
 * `npm start` with `REDIS_URL` joins a cluster: two demo processes on one real redis-server, a
 * sockjs-client session on each node's `/broadcast`; a message sent on either node reaches both
 * sessions exactly once; a STOMP topic subscriber on node 2 gets what `POST /publish` sends on node 1.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { redisSkipReason, startRedis, type RedisProcess } from '../support/redis';
import { Resources } from '../support/resources';
import { connectSockJs } from '../support/sockjs-client';
import { StompjsSession } from '../support/stomp';
import { pollUntil, until, withTimeout } from '../support/wait';

const DEMO = join(__dirname, '..', '..', 'demo', 'main.js');
const skip = redisSkipReason();

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** One `npm start` node on a free port; resolves with its base URL once it listens. */
async function startNode(redisUrl: string, nodeId: string, resources: Resources): Promise<string> {
  const child: Child = spawn(process.execPath, [DEMO], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REDIS_URL: redisUrl, NODE_ID: nodeId, PORT: '0', HOST: '127.0.0.1' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  resources.add(child, async (c) => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await exited;
  });
  const listening = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /demo on (http:\/\/\S+?)\/?$/m.exec(out);
      if (found?.[1] && out.includes(`as ${nodeId}`)) resolve(found[1]);
    });
    void exited.then((code) => reject(new Error(`node ${nodeId} exited ${String(code)}: ${stderr}`)));
  });
  return withTimeout(listening, `node ${nodeId} to listen`, 20_000);
}

describe('npm start with REDIS_URL', { skip }, () => {
  const resources = new Resources();
  let redis: RedisProcess;
  let urls: string[];

  before(async () => {
    redis = await startRedis();
    resources.add(redis, (r) => r.stop());
    const redisUrl = `redis://127.0.0.1:${redis.port}`;
    urls = await Promise.all(['n1', 'n2'].map((id) => startNode(redisUrl, id, resources)));
  });
  after(() => resources.closeAll());

  test('POST /publish on node 1 reaches a STOMP subscriber on node 2', { timeout: 30_000 }, async () => {
    const [one, two] = urls as [string, string];
    const subscriber = await StompjsSession.connect(
      { wsUrl: `${two.replace('http', 'ws')}/stomp-ws`, sockjsUrl: `${two}/stomp` },
      'ws',
      resources,
    );
    await subscriber.subscribed('/topic/across');
    // The node subscribes its bus channel as the SUBSCRIBE is handled; publish until one arrives.
    await pollUntil(
      () => {
        void fetch(`${one}/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ destination: '/topic/across', payload: { hello: 'node 2' } }),
        });
        return subscriber.messages.items.length > 0 ? true : undefined;
      },
      'a message published on node 1 at the subscriber on node 2',
      10_000,
      100,
    );
    assert.deepEqual(JSON.parse(subscriber.messages.items[0]?.body ?? 'null'), { hello: 'node 2' });
  });

  test('/broadcast reaches the sessions of both nodes, each message once', { timeout: 30_000 }, async () => {
    const [one, two] = urls.map((url) => connectSockJs(`${url}/broadcast`, 'xhr-streaming', resources));
    assert.ok(one && two);
    await Promise.all([one.opened, two.opened]);
    // Until both nodes are subscribed a message may be missed: send probes until one crosses.
    let probe = 0;
    await pollUntil(
      () => {
        one.sock.send(`probe-${probe++}`);
        return two.messages.items.some((m) => m.startsWith('probe-')) ? true : undefined;
      },
      'a message to cross from node 1 to node 2',
      10_000,
      100,
    );
    const marks = [one.messages.mark(), two.messages.mark()];
    for (let i = 0; i < 20; i++) (i % 2 === 0 ? one : two).sock.send(`m${i}`);
    const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const [index, client] of [one, two].entries()) {
      const from = marks[index] ?? 0;
      await until(() => client.messages.items.slice(from).filter((m) => m.startsWith('m')).length >= 20, 'all 20');
      const got = client.messages.items.slice(from).filter((m) => m.startsWith('m'));
      assert.deepEqual([...got].sort(), [...expected].sort(), `node ${index + 1}: each message once`);
    }
  });
});
