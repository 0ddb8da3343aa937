/** transports/http-receiver.ts FrameFormat: a broadcast frame is formatted and encoded once, never mixed up. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameFormat } from '../../transports/http-receiver';

describe('FrameFormat', () => {
  test('a new frame comes back as its formatted text; the same frame again as the same shared bytes', () => {
    let wrapped = 0;
    const format = new FrameFormat((frame) => (wrapped++, frame + '\n'));
    assert.equal(format.wire('a["é"]'), 'a["é"]\n');
    const first = format.wire('a["é"]');
    const second = format.wire('a["é"]');
    assert.ok(Buffer.isBuffer(first));
    assert.equal(first, second);
    assert.equal(first.toString('utf8'), 'a["é"]\n');
    assert.equal(wrapped, 1);
  });

  test('frames that alternate are each formatted afresh, never answered with the other one', () => {
    const format = new FrameFormat((frame) => `<${frame}>`);
    const out = ['x', 'y', 'x', 'x', 'y'].map((frame) => format.wire(frame).toString());
    assert.deepEqual(out, ['<x>', '<y>', '<x>', '<x>', '<y>']);
  });

  test('a frame over 64 KiB is not remembered (no large buffer kept)', () => {
    const format = new FrameFormat((frame) => frame);
    const big = 'z'.repeat(64 * 1024 + 1);
    assert.equal(typeof format.wire(big), 'string');
    assert.equal(typeof format.wire(big), 'string');
  });
});
