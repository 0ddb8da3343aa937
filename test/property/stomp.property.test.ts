/**
 * Properties of the STOMP codec (protocol/stomp): for random frames of every version and command,
 * cut into random chunks, decode(split(encode(frame))) is the frame; and for any text at all, how
 * it is chunked never changes what the decoder says (the same frames, or the same error).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  encodeFrame,
  encodeHeartBeat,
  isSockJsError,
  STOMP_CLIENT_COMMANDS,
  STOMP_SERVER_COMMANDS,
  StompDecoder,
  utf8ByteLength,
  type StompCommand,
  type StompDecoded,
  type StompFrame,
  type StompHeader,
  type StompVersion,
} from '../../protocol';

const RUNS = { numRuns: 500 };

/** Code units STOMP makes special, multi-byte UTF-8 and surrogates, and any code unit. */
const stompChar = fc.oneof(
  fc.constantFrom('\n', '\r', ':', '\\', '\0', 'c', 'n', 'r', 't', ' ', 'é', '€', '😀', '\ud800', '\udc00'),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const text = fc.string({ unit: stompChar, maxLength: 24 });
const command = fc.constantFrom<StompCommand>(...STOMP_CLIENT_COMMANDS, ...STOMP_SERVER_COMMANDS);
const version = fc.constantFrom<StompVersion>('1.0', '1.1', '1.2');

/** Whether the version and command can carry this header (never a NUL; unescaped frames no CR/LF, names no colon). */
function representable(header: StompHeader, frameCommand: StompCommand, frameVersion: StompVersion): boolean {
  const [name, value] = header;
  if (name === '' || name === 'content-length' || (name + value).includes('\0')) return false;
  const escaped = frameVersion !== '1.0' && !['CONNECT', 'STOMP', 'CONNECTED'].includes(frameCommand);
  if (!escaped) return !/[\r\n]/.test(name + value) && !name.includes(':');
  return frameVersion === '1.2' || !(name + value).includes('\r');
}

const frameCase = fc
  .record({
    command,
    version,
    headers: fc.array(fc.tuple(text, text), { maxLength: 8 }),
    body: text,
    always: fc.boolean(),
  })
  .map(({ command: frameCommand, version: frameVersion, headers, body, always }) => ({
    version: frameVersion,
    always,
    frame: {
      command: frameCommand,
      headers: headers.filter((header) => representable(header, frameCommand, frameVersion)),
      body,
    } satisfies StompFrame,
  }));

/** The frame as it decodes: with the content-length header the encoder added, if it added one. */
function expected(frame: StompFrame, always: boolean): StompFrame {
  const added = frame.body.includes('\0') || (always && frame.body.length > 0);
  if (!added) return frame;
  return { ...frame, headers: [...frame.headers, ['content-length', String(utf8ByteLength(frame.body))]] };
}

/** Cuts `wire` at the given positions (any code unit index, surrogate pairs included). */
function split(wire: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(wire.slice(from, point));
    from = point;
  }
  chunks.push(wire.slice(from));
  return chunks;
}

type Outcome = { items: StompDecoded[] } | { error: string };

function decodeChunks(chunks: string[], decoderVersion: StompVersion): Outcome {
  const decoder = new StompDecoder({ version: decoderVersion });
  const items: StompDecoded[] = [];
  try {
    for (const chunk of chunks) items.push(...decoder.push(chunk));
    return { items };
  } catch (error) {
    assert.ok(isSockJsError(error), `not a SockJsError: ${String(error)}`);
    return { error: error.code };
  }
}

describe('STOMP codec properties', () => {
  test('decode(split(encode(frame))) is the frame, for any split', () => {
    fc.assert(
      fc.property(frameCase, fc.array(fc.nat(), { maxLength: 12 }), ({ frame, version: v, always }, cuts) => {
        const wire = encodeFrame(frame, v, { contentLength: always ? 'always' : 'when-needed' });
        const outcome = decodeChunks(split(wire, cuts), v);
        assert.deepEqual(outcome, { items: [{ type: 'frame', frame: expected(frame, always) }] });
      }),
      RUNS,
    );
  });

  test('a stream of frames and heart-beats decodes in order, however it is cut', () => {
    const item = fc.oneof(
      frameCase.map((c) => ({ ...c, beat: false })),
      fc.constant({ beat: true }),
    );
    fc.assert(
      fc.property(
        version,
        fc.array(item, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (v, items, cuts) => {
          let wire = '';
          const want: StompDecoded[] = [];
          for (const entry of items) {
            if ('frame' in entry) {
              const frame = {
                ...entry.frame,
                headers: entry.frame.headers.filter((h) => representable(h, entry.frame.command, v)),
              };
              wire += encodeFrame(frame, v, { contentLength: entry.always ? 'always' : 'when-needed' });
              want.push({ type: 'frame', frame: expected(frame, entry.always) });
            } else {
              wire += encodeHeartBeat();
              want.push({ type: 'heart-beat' });
            }
          }
          assert.deepEqual(decodeChunks(split(wire, cuts), v), { items: want });
        },
      ),
      RUNS,
    );
  });

  test('for any text, chunking never changes the outcome; errors are SockJsErrors', () => {
    const wireish = fc.string({
      unit: fc.oneof(stompChar, fc.constantFrom('SEND\n', 'MESSAGE\n', 'content-length:3\n', 'k:v\n', '\n', '\0')),
      maxLength: 40,
    });
    fc.assert(
      fc.property(wireish, version, fc.array(fc.nat(), { maxLength: 10 }), (wire, v, cuts) => {
        assert.deepEqual(decodeChunks(split(wire, cuts), v), decodeChunks([wire], v));
      }),
      { numRuns: 2000 },
    );
  });
});
