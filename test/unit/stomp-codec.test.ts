/** The STOMP frame codec (protocol/stomp): decoder, encoder, escapes, limits, negotiation. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeFrame,
  encodeHeartBeat,
  headerValue,
  headerValues,
  negotiateHeartBeat,
  negotiateVersion,
  parseHeartBeat,
  STOMP_CLIENT_COMMANDS,
  STOMP_SERVER_COMMANDS,
  StompDecoder,
  utf8ByteLength,
  type SockJsErrorCode,
  type StompDecoded,
  type StompDecoderOptions,
  type StompFrame,
  type StompVersion,
} from '../../protocol';
import { assertThrowsCode } from '../support/assertions';

function decodeAll(text: string, options?: StompDecoderOptions): StompDecoded[] {
  return new StompDecoder(options).push(text);
}

function framesOf(text: string, options?: StompDecoderOptions): StompFrame[] {
  return decodeAll(text, options).flatMap((item) => (item.type === 'frame' ? [item.frame] : []));
}

function onlyFrame(text: string, options?: StompDecoderOptions): StompFrame {
  const frames = framesOf(text, options);
  assert.equal(frames.length, 1);
  return frames[0] as StompFrame;
}

const VERSIONS: StompVersion[] = ['1.0', '1.1', '1.2'];
const COMMANDS = [...STOMP_CLIENT_COMMANDS, ...STOMP_SERVER_COMMANDS];

describe('STOMP round trips', () => {
  for (const version of VERSIONS) {
    for (const command of COMMANDS) {
      test(`${command} in STOMP ${version}`, () => {
        const frame: StompFrame = {
          command,
          headers: [
            ['destination', '/queue/a'],
            ['x-repeat', 'one'],
            ['x-repeat', 'two'],
          ],
          body: command === 'SEND' || command === 'MESSAGE' || command === 'ERROR' ? 'héllo €😀' : '',
        };
        assert.deepEqual(onlyFrame(encodeFrame(frame, version), { version }), frame);
      });
    }
  }
});

describe('STOMP header escapes', () => {
  const cases: [string, string][] = [
    ['\\r', '\r'],
    ['\\n', '\n'],
    ['\\c', ':'],
    ['\\\\', '\\'],
  ];
  for (const [escaped, plain] of cases) {
    test(`1.2 decodes ${escaped} in names and values`, () => {
      const frame = onlyFrame(`SEND\na${escaped}b:x${escaped}y\n\n\0`);
      assert.deepEqual(frame.headers, [[`a${plain}b`, `x${plain}y`]]);
    });
  }
  test('1.2 encodes CR, LF, colon and backslash', () => {
    const wire = encodeFrame({ command: 'MESSAGE', headers: [['k:\\', 'a\r\nb:c\\']], body: '' }, '1.2');
    assert.equal(wire, 'MESSAGE\nk\\c\\\\:a\\r\\nb\\cc\\\\\n\n\0');
  });
  test('1.1 decodes \\n \\c \\\\ but \\r is a bad escape', () => {
    const frame = onlyFrame('SEND\nk:a\\nb\\cc\\\\d\n\n\0', { version: '1.1' });
    assert.equal(headerValue(frame, 'k'), 'a\nb:c\\d');
    assertThrowsCode(() => decodeAll('SEND\nk:a\\rb\n\n\0', { version: '1.1' }), 'ERR_STOMP_BAD_ESCAPE', /\\\\r/);
  });
  test('1.1 refuses to encode a CR it cannot escape', () => {
    assertThrowsCode(
      () => encodeFrame({ command: 'SEND', headers: [['k', 'a\rb']], body: '' }, '1.1'),
      'ERR_STOMP_MALFORMED',
    );
  });
  test('the encoder refuses what no version can carry: NUL, an empty name, a colon in an unescaped name', () => {
    for (const [headers, version, command] of [
      [[['k', 'a\0b']], '1.2', 'SEND'],
      [[['', 'v']], '1.2', 'SEND'],
      [[['a:b', 'v']], '1.2', 'CONNECT'],
      [[['k', 'a\nb']], '1.0', 'SEND'],
    ] as const) {
      assertThrowsCode(() => encodeFrame({ command, headers, body: '' }, version), 'ERR_STOMP_MALFORMED');
    }
  });
  test('1.0 has no escapes: backslashes are literal', () => {
    const frame = onlyFrame('SEND\nk:a\\nb\\t\n\n\0', { version: '1.0' });
    assert.equal(headerValue(frame, 'k'), 'a\\nb\\t');
    assert.equal(encodeFrame(frame, '1.0'), 'SEND\nk:a\\nb\\t\n\n\0');
  });
  test('an unknown escape (\\t) is ERR_STOMP_BAD_ESCAPE', () => {
    assertThrowsCode(() => decodeAll('SEND\nk:a\\tb\n\n\0'), 'ERR_STOMP_BAD_ESCAPE', /"\\\\t"/);
  });
  test('a lone backslash at the end of a value is ERR_STOMP_BAD_ESCAPE', () => {
    assertThrowsCode(() => decodeAll('SEND\nk:a\\\n\n\0'), 'ERR_STOMP_BAD_ESCAPE');
  });
  for (const command of ['CONNECT', 'STOMP', 'CONNECTED'] as const) {
    for (const version of VERSIONS) {
      test(`no escaping in ${command} (${version})`, () => {
        const frame = onlyFrame(`${command}\npasscode:a\\cb\\t\n\n\0`, { version });
        assert.equal(headerValue(frame, 'passcode'), 'a\\cb\\t');
        assert.equal(encodeFrame(frame, version), `${command}\npasscode:a\\cb\\t\n\n\0`);
      });
    }
  }
  test('a colon in a value of an unescaped frame is kept (split at the first colon)', () => {
    assert.equal(headerValue(onlyFrame('CONNECT\nhost:a:b\n\n\0'), 'host'), 'a:b');
  });
});

describe('STOMP repeated headers', () => {
  test('all kept in order; the first one wins', () => {
    const frame = onlyFrame('MESSAGE\nfoo:World\nfoo:Hello\nbar:x\n\n\0');
    assert.deepEqual(frame.headers, [
      ['foo', 'World'],
      ['foo', 'Hello'],
      ['bar', 'x'],
    ]);
    assert.equal(headerValue(frame, 'foo'), 'World');
    assert.deepEqual(headerValues(frame, 'foo'), ['World', 'Hello']);
    assert.equal(headerValue(frame, 'absent'), undefined);
  });
  test('the first content-length wins', () => {
    assert.equal(onlyFrame('SEND\ncontent-length:2\ncontent-length:5\n\nab\0').body, 'ab');
  });
});

describe('STOMP content-length', () => {
  test('a body with NULs, counted in UTF-8 bytes', () => {
    const body = 'a\0é\0€😀';
    const frame: StompFrame = { command: 'SEND', headers: [['destination', '/q']], body };
    const wire = encodeFrame(frame, '1.2');
    assert.match(wire, new RegExp(`content-length:${utf8ByteLength(body)}\n`));
    assert.equal(utf8ByteLength(body), 1 + 1 + 2 + 1 + 3 + 4);
    const decoded = onlyFrame(wire);
    assert.equal(decoded.body, body);
    assert.deepEqual(decoded.headers, [
      ['destination', '/q'],
      ['content-length', '12'],
    ]);
  });
  test('without content-length the body runs to the first NUL', () => {
    const decoder = new StompDecoder();
    const items = decoder.push('SEND\n\nab\0cd');
    assert.deepEqual(items, [{ type: 'frame', frame: { command: 'SEND', headers: [], body: 'ab' } }]);
    // What follows the first NUL is the next frame's command line.
    assertThrowsCode(() => decoder.push('\0'), 'ERR_STOMP_UNKNOWN_COMMAND', /cd/);
  });
  test('no NUL right after content-length bytes is a mismatch', () => {
    assertThrowsCode(
      () => decodeAll('SEND\ncontent-length:1\n\nab\0'),
      'ERR_STOMP_CONTENT_LENGTH',
      /content-length mismatch/,
    );
  });
  test('content-length ending inside a character is a mismatch', () => {
    assertThrowsCode(() => decodeAll('SEND\ncontent-length:1\n\n€\0'), 'ERR_STOMP_CONTENT_LENGTH', /mismatch/);
  });
  test('content-length that is not a number', () => {
    assertThrowsCode(() => decodeAll('SEND\ncontent-length:-1\n\n\0'), 'ERR_STOMP_CONTENT_LENGTH');
    assertThrowsCode(() => decodeAll('SEND\ncontent-length:1x\n\na\0'), 'ERR_STOMP_CONTENT_LENGTH');
  });
  test("'always' adds content-length to every non-empty body, never to an empty one", () => {
    const frame: StompFrame = { command: 'SEND', headers: [], body: 'é' };
    assert.equal(encodeFrame(frame, '1.2', { contentLength: 'always' }), 'SEND\ncontent-length:2\n\né\0');
    assert.equal(encodeFrame(frame, '1.2'), 'SEND\n\né\0');
    assert.equal(encodeFrame({ ...frame, body: '' }, '1.2', { contentLength: 'always' }), 'SEND\n\n\0');
  });
  test('the encoder refuses a wrong content-length and keeps a right one', () => {
    const headers: [string, string][] = [['content-length', '1']];
    assertThrowsCode(() => encodeFrame({ command: 'SEND', headers, body: 'é' }, '1.2'), 'ERR_STOMP_CONTENT_LENGTH');
    assert.equal(encodeFrame({ command: 'SEND', headers, body: '\0' }, '1.2'), 'SEND\ncontent-length:1\n\n\0\0');
  });
});

describe('STOMP EOLs and heart-beats', () => {
  test('\\r\\n after the command and header lines', () => {
    const frame = onlyFrame('SEND\r\ndestination:/q\r\nk:v\r\n\r\nbody\0');
    assert.deepEqual(frame, {
      command: 'SEND',
      headers: [
        ['destination', '/q'],
        ['k', 'v'],
      ],
      body: 'body',
    });
  });
  test('bare EOLs between frames are heart-beats', () => {
    const items = decodeAll('\n\r\nSEND\n\na\0\n\nSEND\n\nb\0\r\n');
    assert.deepEqual(
      items.map((item) => (item.type === 'frame' ? item.frame.body : 'beat')),
      ['beat', 'beat', 'a', 'beat', 'beat', 'b', 'beat'],
    );
    assert.equal(encodeHeartBeat(), '\n');
  });
  test('a heart-beat split between CR and LF', () => {
    const decoder = new StompDecoder();
    assert.deepEqual(decoder.push('\r'), []);
    assert.deepEqual(decoder.push('\n'), [{ type: 'heart-beat' }]);
    assert.equal(decoder.idle, true);
  });
});

describe('STOMP streaming', () => {
  const wire =
    encodeFrame({ command: 'SEND', headers: [['destination', '/q\n:\\']], body: 'a\0b€😀' }, '1.2') +
    '\r\n' +
    encodeFrame({ command: 'MESSAGE', headers: [['message-id', '1']], body: 'x€😀' }, '1.2');
  const whole = decodeAll(wire);

  test('several frames in one chunk', () => {
    assert.deepEqual(
      whole.map((item) => item.type),
      ['frame', 'heart-beat', 'frame'],
    );
  });
  test('split into two chunks at every position', () => {
    for (let cut = 0; cut <= wire.length; cut++) {
      const decoder = new StompDecoder();
      const items = [...decoder.push(wire.slice(0, cut)), ...decoder.push(wire.slice(cut))];
      assert.deepEqual(items, whole, `cut at ${cut}`);
    }
  });
  test('one code unit at a time (a surrogate pair split too)', () => {
    const decoder = new StompDecoder();
    const items: StompDecoded[] = [];
    for (let i = 0; i < wire.length; i++) items.push(...decoder.push(wire.charAt(i)));
    assert.deepEqual(items, whole);
    assert.equal(decoder.idle, true);
  });
  test('decoder.version switches the escapes between frames, and is checked', () => {
    const decoder = new StompDecoder({ version: '1.0' });
    const wire = 'SEND\nk:a\\nb\n\n\0';
    assert.deepEqual(decoder.push(wire), [
      { type: 'frame', frame: { command: 'SEND', headers: [['k', 'a\\nb']], body: '' } },
    ]);
    decoder.version = '1.2';
    assert.deepEqual(decoder.push(wire), [
      { type: 'frame', frame: { command: 'SEND', headers: [['k', 'a\nb']], body: '' } },
    ]);
    assertThrowsCode(() => {
      decoder.version = '1.3' as StompVersion;
    }, 'ERR_INVALID_OPTION');
    assert.equal(decoder.version, '1.2');
  });
  test('after a protocol error every push throws the same error', () => {
    const decoder = new StompDecoder();
    assertThrowsCode(() => decoder.push('BOGUS\n'), 'ERR_STOMP_UNKNOWN_COMMAND');
    assertThrowsCode(() => decoder.push('SEND\n\n\0'), 'ERR_STOMP_UNKNOWN_COMMAND', /BOGUS/);
  });
});

describe('STOMP limits', () => {
  test('defaults: 64 KiB frames, 64 headers, 8 KiB lines', () => {
    const big = 'x'.repeat(64 * 1024 - 'SEND\n\n\0'.length);
    assert.equal(onlyFrame(`SEND\n\n${big}\0`).body, big);
    assertThrowsCode(() => decodeAll(`SEND\n\n${big}x\0`), 'ERR_STOMP_FRAME_TOO_LARGE', /65536/);
    const headers = Array.from({ length: 64 }, (_, i) => `h${i}:v\n`).join('');
    assert.equal(onlyFrame(`SEND\n${headers}\n\0`).headers.length, 64);
    assertThrowsCode(() => decodeAll(`SEND\n${headers}h:v\n\n\0`), 'ERR_STOMP_TOO_MANY_HEADERS', /64/);
    const line = `k:${'v'.repeat(8 * 1024 - 2)}`;
    assert.equal(onlyFrame(`SEND\n${line}\r\n\n\0`).headers.length, 1);
    assertThrowsCode(() => decodeAll(`SEND\n${line}v\n\n\0`), 'ERR_STOMP_HEADER_TOO_LONG', /8192/);
  });
  test('maxFrameBytes stops buffering before the NUL arrives', () => {
    const decoder = new StompDecoder({ maxFrameBytes: 100 });
    decoder.push('SEND\n\n');
    assertThrowsCode(() => decoder.push('x'.repeat(200)), 'ERR_STOMP_FRAME_TOO_LARGE');
  });
  test('maxFrameBytes counts UTF-8 bytes', () => {
    // 'SEND\n\n' 6 + 30 × 3 + NUL = 97 bytes fits 97, not 96.
    const wire = `SEND\n\n${'€'.repeat(30)}\0`;
    assert.equal(framesOf(wire, { maxFrameBytes: 97 }).length, 1);
    assertThrowsCode(() => decodeAll(wire, { maxFrameBytes: 96 }), 'ERR_STOMP_FRAME_TOO_LARGE');
  });
  test('a content-length over maxFrameBytes fails at once', () => {
    const decoder = new StompDecoder({ maxFrameBytes: 100 });
    assertThrowsCode(() => decoder.push('SEND\ncontent-length:1000\n\n'), 'ERR_STOMP_FRAME_TOO_LARGE', /1000/);
  });
  test('a header line over maxHeaderBytes fails before its EOL arrives', () => {
    const decoder = new StompDecoder({ maxHeaderBytes: 10 });
    decoder.push('SEND\nk:12345678');
    assertThrowsCode(() => decoder.push('9'), 'ERR_STOMP_HEADER_TOO_LONG');
  });
  test('a command line over maxHeaderBytes', () => {
    assertThrowsCode(() => decodeAll('x'.repeat(20), { maxHeaderBytes: 10 }), 'ERR_STOMP_HEADER_TOO_LONG', /command/);
  });
  test('maxHeaders', () => {
    assert.equal(onlyFrame('SEND\na:1\nb:2\n\n\0', { maxHeaders: 2 }).headers.length, 2);
    assertThrowsCode(() => decodeAll('SEND\na:1\nb:2\nc:3\n\n\0', { maxHeaders: 2 }), 'ERR_STOMP_TOO_MANY_HEADERS');
  });
  test('bad options throw ERR_INVALID_OPTION', () => {
    for (const options of [
      { maxFrameBytes: 0 },
      { maxHeaders: -1 },
      { maxHeaderBytes: 1.5 },
      { maxFrameBytes: Number.NaN },
      { version: '2.0' },
      { maxFrameByte: 10 },
    ]) {
      assertThrowsCode(() => new StompDecoder(options as StompDecoderOptions), 'ERR_INVALID_OPTION');
    }
    assertThrowsCode(
      () => new StompDecoder({ maxFrameByte: 10 } as StompDecoderOptions),
      'ERR_INVALID_OPTION',
      /maxFrameBytes/,
    );
  });
});

describe('STOMP malformed input', () => {
  const cases: [string, string, SockJsErrorCode][] = [
    ['an unknown command', 'HELLO\n\n\0', 'ERR_STOMP_UNKNOWN_COMMAND'],
    ['a lower-case command', 'send\n\n\0', 'ERR_STOMP_UNKNOWN_COMMAND'],
    ['a command with trailing space', 'SEND \n\n\0', 'ERR_STOMP_UNKNOWN_COMMAND'],
    ['a header line without a colon', 'SEND\nnocolon\n\n\0', 'ERR_STOMP_MALFORMED'],
    ['an empty header name', 'SEND\n:value\n\n\0', 'ERR_STOMP_MALFORMED'],
    ['a stray NUL at frame start', '\0', 'ERR_STOMP_UNKNOWN_COMMAND'],
    ['a NUL right after the command', 'SEND\0', 'ERR_STOMP_UNKNOWN_COMMAND'],
    ['a NUL inside the headers', 'SEND\nk:v\0', 'ERR_STOMP_MALFORMED'],
  ];
  for (const [what, wire, code] of cases) test(what, () => assertThrowsCode(() => decodeAll(wire), code));
  test('the message names the problem, for an ERROR frame', () => {
    assertThrowsCode(() => decodeAll('HELLO\n'), 'ERR_STOMP_UNKNOWN_COMMAND', /^Unknown STOMP command: "HELLO"$/);
  });
  test('an empty value is fine', () => {
    assert.deepEqual(onlyFrame('SEND\nk:\n\n\0').headers, [['k', '']]);
  });
});

describe('STOMP negotiation', () => {
  test('negotiateVersion picks the highest common version', () => {
    assert.equal(negotiateVersion('1.0,1.1,1.2'), '1.2');
    assert.equal(negotiateVersion('1.1, 1.0'), '1.1');
    assert.equal(negotiateVersion('1.2', ['1.1', '1.0']), undefined);
    assert.equal(negotiateVersion('1.0,1.1,1.2', ['1.0', '1.1']), '1.1');
    assert.equal(negotiateVersion('2.0'), undefined);
  });
  test('no accept-version means 1.0', () => {
    assert.equal(negotiateVersion(undefined), '1.0');
    assert.equal(negotiateVersion(undefined, ['1.2']), undefined);
  });
  test('parseHeartBeat', () => {
    assert.deepEqual(parseHeartBeat('10000,5000'), { canSend: 10000, wantsToReceive: 5000 });
    assert.deepEqual(parseHeartBeat(' 0 , 0 '), { canSend: 0, wantsToReceive: 0 });
    assert.deepEqual(parseHeartBeat(undefined), { canSend: 0, wantsToReceive: 0 });
    for (const bad of ['', '1', '1,2,3', 'a,b', '-1,0', '1.5,2']) {
      assertThrowsCode(() => parseHeartBeat(bad), 'ERR_STOMP_MALFORMED');
    }
  });
  test('negotiateHeartBeat: the larger wish, 0 if either side cannot', () => {
    const client = { canSend: 10000, wantsToReceive: 10000 };
    assert.deepEqual(negotiateHeartBeat(client, { canSend: 5000, wantsToReceive: 20000 }), {
      clientToServer: 20000,
      serverToClient: 10000,
    });
    assert.deepEqual(
      negotiateHeartBeat({ canSend: 0, wantsToReceive: 1000 }, { canSend: 3000, wantsToReceive: 4000 }),
      {
        clientToServer: 0,
        serverToClient: 3000,
      },
    );
    assert.deepEqual(negotiateHeartBeat(client, { canSend: 0, wantsToReceive: 0 }), {
      clientToServer: 0,
      serverToClient: 0,
    });
  });
});
