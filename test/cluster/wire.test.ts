/**
 * The cluster bus without Redis: its envelope, sequence numbers and gap counting; the options of
 * createRedisBus and the endpoint's `cluster` option refused when wrong; the main entry loading
 * without `redis`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createEndpoint, type EndpointOptions } from '../../server';
import { createRedisBus, type RedisBusOptions } from '../../server/cluster';
import { decodeEnvelope, encodeEnvelope, GapDetector, Sequencer } from '../../server/cluster/wire';

const invalidOption = (pattern: RegExp) => (error: Error & { code?: string }) =>
  error.code === 'ERR_INVALID_OPTION' && pattern.test(error.message);

describe('envelope', () => {
  test('carries origin, sequence, target and any message (newlines, JSON, empty) unchanged', () => {
    for (const message of ['', 'plain', 'two\nlines', '["json",1]', '\u2603 snow']) {
      const raw = encodeEnvelope('node-1', 7, 'session-a', message);
      assert.deepEqual(decodeEnvelope(raw), { origin: 'node-1', seq: 7, target: 'session-a', message });
    }
  });

  test('anything else is not an envelope', () => {
    for (const raw of ['no newline', 'not json\nx', '["a",1]\nx', '["a",0,""]\nx', '[1,1,""]\nx', '{}\nx']) {
      assert.equal(decodeEnvelope(raw), undefined, raw);
    }
  });
});

describe('sequence numbers and gaps', () => {
  test('numbered from 1 per channel', () => {
    const sequencer = new Sequencer();
    assert.deepEqual(
      [sequencer.take('a'), sequencer.take('a'), sequencer.take('b'), sequencer.take('a')],
      [1, 2, 1, 3],
    );
  });

  test('a gap counts the numbers skipped; the first seen and a restart set the baseline', () => {
    const gaps = new GapDetector();
    assert.equal(gaps.check('c', 'n1', 5), 0, 'first seen');
    assert.equal(gaps.check('c', 'n1', 6), 0);
    assert.equal(gaps.check('c', 'n1', 9), 2);
    assert.equal(gaps.check('c', 'n2', 3), 0, 'another publisher has its own baseline');
    assert.equal(gaps.check('c', 'n1', 1), 0, 'restarted publisher');
    assert.equal(gaps.check('c', 'n1', 2), 0);
    gaps.forget('c');
    assert.equal(gaps.check('c', 'n1', 10), 0, 'a channel left and joined again starts afresh');
  });
});

describe('options', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{}, /url/],
    [{ url: 'http://x' }, /url/],
    [{ url: 'redis://x', nodeId: 'has space' }, /nodeId/],
    [{ url: 'redis://x', sharded: 'yes' }, /sharded/],
    [{ url: 'redis://x', registryTtl: 0 }, /registryTtl/],
    [{ url: 'redis://x', reconnectMaxDelay: 1.5 }, /reconnectMaxDelay/],
    [{ url: 'redis://x', colour: 'blue' }, /colour/],
  ];
  for (const [options, pattern] of bad) {
    test(`createRedisBus refuses ${JSON.stringify(options)}`, () => {
      assert.throws(() => createRedisBus(options as unknown as RedisBusOptions), invalidOption(pattern));
    });
  }

  test('the endpoint refuses a cluster that is not a bus, and two endpoints of one prefix on a bus', async () => {
    const handler = {};
    assert.throws(
      () => createEndpoint({ prefix: '/a', handler, cluster: {} } as unknown as EndpointOptions),
      invalidOption(/cluster/),
    );
    const bus = createRedisBus({ url: 'redis://127.0.0.1:1' });
    const endpoint = createEndpoint({ prefix: '/a', handler, cluster: bus });
    assert.throws(() => createEndpoint({ prefix: '/a', handler, cluster: bus }), invalidOption(/already joined/));
    await endpoint.close();
    await bus.close();
  });
});

test('the main entry loads without redis', () => {
  const entry = join(__dirname, '../../server/index.js');
  const script = `require(${JSON.stringify(entry)}); process.stdout.write(String(Object.keys(require.cache).some((k) => /[\\\\/]node_modules[\\\\/](redis|@redis)[\\\\/]/.test(k))))`;
  assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }), 'false');
});

test('without redis installed, createRedisBus says how to install it', () => {
  const entry = join(__dirname, '../../server/cluster/index.js');
  // The child hides `redis` from require, as a user's tree without the optional peer would.
  const script = [
    `const Module = require('node:module');`,
    `const resolve = Module._resolveFilename;`,
    `Module._resolveFilename = function (request, ...rest) {`,
    `  if (request === 'redis') throw Object.assign(new Error("Cannot find module 'redis'"), { code: 'MODULE_NOT_FOUND' });`,
    `  return resolve.call(this, request, ...rest);`,
    `};`,
    `const { createRedisBus } = require(${JSON.stringify(entry)});`,
    `try { createRedisBus({ url: 'redis://127.0.0.1:1' }); process.stdout.write('created'); }`,
    `catch (error) { process.stdout.write(error.code + ' ' + error.message); }`,
  ].join('\n');
  const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.match(output, /^ERR_REDIS_MISSING .*npm install redis/);
});
