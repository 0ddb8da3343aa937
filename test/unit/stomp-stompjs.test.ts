/**
 * The STOMP codec against @stomp/stompjs 7, the client most browsers run: frames its serializer
 * writes decode to what it meant, and frames we write parse in its parser to what we meant.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FrameImpl as StompjsFrameImpl, Parser as StompjsParser } from '@stomp/stompjs' with {
  'resolution-mode': 'import',
};
import { encodeFrame, StompDecoder, type StompDecoded, type StompFrame, type StompVersion } from '../../protocol';

// stompjs ships as an ES module; this CommonJS test loads it with import(), once, before the tests.
let FrameImpl: typeof StompjsFrameImpl;
let Parser: typeof StompjsParser;
before(async () => {
  ({ FrameImpl, Parser } = await import('@stomp/stompjs'));
});

interface ClientFrame {
  readonly command: StompFrame['command'];
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** What stompjs's client writes, as it decides: escapes on from 1.1 except in CONNECT. */
function stompjsWire(frame: ClientFrame, version: StompVersion): string {
  const wire = FrameImpl.marshall({
    command: frame.command,
    headers: frame.headers,
    body: frame.body ?? '',
    escapeHeaderValues: version !== '1.0' && frame.command !== 'CONNECT',
  });
  assert.equal(typeof wire, 'string');
  return wire as string;
}

/** stompjs cuts a large frame into chunks of a fixed size (splitLargeFrames, maxWebSocketChunkSize). */
function decodeInChunks(wire: string, size: number, version: StompVersion): StompDecoded[] {
  const decoder = new StompDecoder({ version });
  const items: StompDecoded[] = [];
  for (let at = 0; at < wire.length; at += size) items.push(...decoder.push(wire.slice(at, at + size)));
  return items;
}

const CLIENT_FRAMES: ClientFrame[] = [
  { command: 'CONNECT', headers: { 'accept-version': '1.2,1.1,1.0', 'heart-beat': '10000,10000', login: 'a:b\\c' } },
  { command: 'SUBSCRIBE', headers: { id: 'sub-0', destination: '/topic/a\nb:c\\d', ack: 'client' } },
  { command: 'SEND', headers: { destination: '/queue/q', 'content-type': 'text/plain' }, body: 'héllo € 😀\0tail' },
  { command: 'SEND', headers: { destination: '/queue/q' }, body: 'x'.repeat(40_000) },
  { command: 'ACK', headers: { id: 'm-1', transaction: 'tx1' } },
  { command: 'NACK', headers: { id: 'm-2' } },
  { command: 'BEGIN', headers: { transaction: 'tx1' } },
  { command: 'COMMIT', headers: { transaction: 'tx1' } },
  { command: 'ABORT', headers: { transaction: 'tx1' } },
  { command: 'UNSUBSCRIBE', headers: { id: 'sub-0' } },
  { command: 'DISCONNECT', headers: { receipt: 'close-1' } },
];

describe('frames written by @stomp/stompjs', () => {
  for (const version of ['1.2', '1.1'] as const) {
    for (const frame of CLIENT_FRAMES) {
      test(`${frame.command} (${version}, ${frame.body?.length ?? 0} body chars)`, () => {
        const wire = stompjsWire(frame, version);
        for (const size of [wire.length, 16 * 1024, 7, 1]) {
          const items = decodeInChunks(wire, size, version);
          assert.equal(items.length, 1, `chunks of ${size}`);
          const decoded = items[0];
          assert.ok(decoded?.type === 'frame');
          assert.equal(decoded.frame.command, frame.command);
          for (const [name, value] of Object.entries(frame.headers)) {
            assert.equal(decoded.frame.headers.find(([n]) => n === name)?.[1], value, name);
          }
          assert.equal(decoded.frame.body, frame.body ?? '');
        }
      });
    }
  }
  test('its heart-beat (a bare LF) is a heart-beat', () => {
    assert.deepEqual(new StompDecoder().push('\n'), [{ type: 'heart-beat' }]);
  });
});

describe('frames we write, parsed by @stomp/stompjs', () => {
  const frames: StompFrame[] = [
    {
      command: 'CONNECTED',
      headers: [
        ['version', '1.2'],
        ['heart-beat', '0,0'],
        ['server', 'x:y'],
      ],
      body: '',
    },
    {
      command: 'MESSAGE',
      headers: [
        ['subscription', 'sub-0'],
        ['message-id', '1'],
        ['destination', '/topic/a\nb:c\\d\re'],
      ],
      body: 'héllo € 😀\0tail',
    },
    { command: 'RECEIPT', headers: [['receipt-id', 'close-1']], body: '' },
    { command: 'ERROR', headers: [['message', 'Bad STOMP header escape: "\\t"']], body: 'details' },
  ];
  for (const frame of frames) {
    test(frame.command, () => {
      const parsed: { command: string | undefined; headers: [string, string][]; body: string }[] = [];
      let pings = 0;
      const parser = new Parser(
        (raw) => {
          const escaped = raw.command !== 'CONNECTED';
          const impl = FrameImpl.fromRawFrame(raw, escaped);
          parsed.push({ command: impl.command, headers: raw.headers, body: impl.body });
        },
        () => pings++,
      );
      parser.parseChunk(encodeFrame(frame, '1.2') + '\n');
      assert.equal(parsed.length, 1);
      assert.equal(pings, 1);
      const [only] = parsed;
      assert.equal(only?.command, frame.command);
      assert.equal(only.body, frame.body);
      const impl = FrameImpl.fromRawFrame(
        { command: only.command, headers: only.headers, binaryBody: undefined },
        frame.command !== 'CONNECTED',
      );
      for (const [name, value] of frame.headers) assert.equal(impl.headers[name], value, name);
    });
  }
});
