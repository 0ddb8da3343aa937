/** transports/repeated-frame.ts: a broadcast frame is encoded once, frames are never mixed up. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RepeatedFrame } from '../../transports/repeated-frame';

describe('RepeatedFrame', () => {
  test('a frame is encoded once while it repeats: the same shared bytes each time', () => {
    let encoded = 0;
    const frames = new RepeatedFrame((frame) => (encoded++, Buffer.from(frame + '\n')));
    const first = frames.bytes('a["é"]');
    const second = frames.bytes('a["é"]');
    assert.equal(first, second);
    assert.equal(first.toString('utf8'), 'a["é"]\n');
    assert.equal(encoded, 1);
  });

  test('frames that alternate are each encoded afresh, never answered with the other one', () => {
    const frames = new RepeatedFrame((frame) => Buffer.from(`<${frame}>`));
    const out = ['x', 'y', 'x', 'x', 'y'].map((frame) => frames.bytes(frame).toString());
    assert.deepEqual(out, ['<x>', '<y>', '<x>', '<x>', '<y>']);
  });

  test('a frame over 64 KiB is not remembered (no large buffer kept)', () => {
    let encoded = 0;
    const frames = new RepeatedFrame((frame) => (encoded++, Buffer.from(frame)));
    const big = 'z'.repeat(64 * 1024 + 1);
    assert.notEqual(frames.bytes(big), frames.bytes(big));
    assert.equal(encoded, 2);
  });
});
