/** transports/ws-frame.ts: the frames we write to websockets ourselves, read back by an RFC 6455 reader. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { textFrame, textFrameAndPing } from '../../transports/ws-frame';

interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Reads the frames in `bytes` (RFC 6455 §5.2), failing on anything left over. */
function readFrames(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const first = bytes[at] as number;
    const second = bytes[at + 1] as number;
    let length = second & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(offset));
      offset += 8;
    }
    assert.ok(offset + length <= bytes.length, 'frame runs past the buffer');
    frames.push({
      fin: (first & 0x80) !== 0,
      opcode: first & 0x0f,
      masked: (second & 0x80) !== 0,
      payload: bytes.subarray(offset, offset + length),
    });
    at = offset + length;
  }
  return frames;
}

describe('websocket frames', () => {
  const texts = [
    '',
    'h',
    'o',
    'a["x"]',
    'x'.repeat(125),
    'y'.repeat(126),
    'z'.repeat(0xffff),
    'w'.repeat(0x10000),
    'é€😀'.repeat(40),
    'ü'.repeat(70_000),
  ];
  for (const text of texts) {
    test(`a text frame of ${Buffer.byteLength(text)} bytes: one final, unmasked text frame with the UTF-8 payload, shortest length form`, () => {
      const bytes = textFrame(text);
      const frames = readFrames(bytes);
      assert.equal(frames.length, 1);
      const [frame] = frames as [Frame];
      assert.deepEqual([frame.fin, frame.opcode, frame.masked], [true, 1, false]);
      assert.equal(frame.payload.toString('utf8'), text);
      const size = Buffer.byteLength(text);
      assert.equal(bytes.length - size, size < 126 ? 2 : size < 0x10000 ? 4 : 10);
    });
  }

  test('a heartbeat: the text frame, then an empty ping', () => {
    const frames = readFrames(textFrameAndPing('h'));
    assert.deepEqual(
      frames.map((f) => [f.fin, f.opcode, f.masked, f.payload.toString()]),
      [
        [true, 1, false, 'h'],
        [true, 9, false, ''],
      ],
    );
  });
});
