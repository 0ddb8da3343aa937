/** server/protocol/frames.ts: quoting, frame builders, decoding what clients send, parsing frames. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  HEARTBEAT_FRAME,
  OPEN_FRAME,
  XHR_STREAMING_PRELUDE,
  closeFrame,
  decodeMessages,
  messageFrame,
  parseFrame,
  parseFrameLines,
  quote,
} from '../../protocol';

/** The code unit ranges quote() must escape beyond what JSON.stringify escapes. */
const ESCAPED_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x001f],
  [0xd800, 0xdfff],
  [0x200c, 0x200f],
  [0x2028, 0x202f],
  [0x2060, 0x206f],
  [0xfff0, 0xffff],
];

const inRanges = (code: number): boolean => ESCAPED_RANGES.some(([low, high]) => code >= low && code <= high);
const hex4 = (code: number): string => code.toString(16).padStart(4, '0');

describe('quote', () => {
  test(
    'every one of the 65 536 code units: escaped as \\uxxxx (lowercase) exactly in the listed ranges',
    { timeout: 10_000 },
    () => {
      const wrong: string[] = [];
      for (let code = 0; code <= 0xffff; code++) {
        const char = String.fromCharCode(code);
        const got = quote(char);
        let expected: string;
        if (code <= 0x1f)
          expected = JSON.stringify(char); // JSON's own escapes: \n, \t, \u0001...
        else if (inRanges(code)) expected = `"\\u${hex4(code)}"`;
        else if (code === 0x22) expected = '"\\""';
        else if (code === 0x5c) expected = '"\\\\"';
        else expected = `"${char}"`;
        if (got !== expected)
          wrong.push(`U+${hex4(code)}: ${JSON.stringify(got)} instead of ${JSON.stringify(expected)}`);
      }
      assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} code units quoted wrongly`);
    },
  );

  test('control characters keep JSON escapes, all lowercase hex', { timeout: 2000 }, () => {
    assert.equal(quote('\n\t\r\b\f'), '"\\n\\t\\r\\b\\f"');
    assert.equal(quote('\u0000\u0001\u001b\u001f'), '"\\u0000\\u0001\\u001b\\u001f"');
  });

  test('the edges of each range: just inside escaped, just outside raw', { timeout: 2000 }, () => {
    assert.equal(quote('\u200b'), '"\u200b"');
    assert.equal(quote('\u200c'), '"\\u200c"');
    assert.equal(quote('\u200f'), '"\\u200f"');
    assert.equal(quote('\u2010'), '"\u2010"');
    assert.equal(quote('\u2027'), '"\u2027"');
    assert.equal(quote('\u2028\u2029'), '"\\u2028\\u2029"');
    assert.equal(quote('\u202f'), '"\\u202f"');
    assert.equal(quote('\u2030'), '"\u2030"');
    assert.equal(quote('\u205f'), '"\u205f"');
    assert.equal(quote('\u2060'), '"\\u2060"');
    assert.equal(quote('\u206f'), '"\\u206f"');
    assert.equal(quote('\u2070'), '"\u2070"');
    assert.equal(quote('\uffef'), '"\uffef"');
    assert.equal(quote('\ufff0'), '"\\ufff0"');
    assert.equal(quote('\uffff'), '"\\uffff"');
    assert.equal(quote('\u007f'), '"\u007f"');
  });

  test('astral characters: both halves of the surrogate pair escaped, lowercase', { timeout: 2000 }, () => {
    assert.equal(quote('😀'), '"\\ud83d\\ude00"');
    assert.equal(quote('a𝕏b'), '"a\\ud835\\udd4fb"');
  });

  test('lone surrogates are escaped, and round-trip through JSON.parse', { timeout: 2000 }, () => {
    assert.equal(quote('\ud800'), '"\\ud800"');
    assert.equal(quote('x\udfffy'), '"x\\udfffy"');
    assert.equal(JSON.parse(quote('\udc00\ud800')), '\udc00\ud800');
  });

  test(
    'quotes and backslashes escaped as JSON does; plain text and other unicode left alone',
    { timeout: 2000 },
    () => {
      assert.equal(quote(''), '""');
      assert.equal(quote('abc'), '"abc"');
      assert.equal(quote('say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"');
      assert.equal(quote('é中文 עברית'), '"é中文 עברית"');
      assert.equal(quote('</script>'), '"</script>"');
    },
  );

  test('output is pure JSON whose parse gives the input back, for mixed strings', { timeout: 2000 }, () => {
    const samples = [
      '',
      'a',
      '\u2028😀"\\\u0000\uffff\u200d\u2066',
      'x'.repeat(1000) + '\ufffe',
      '\ud83d',
      'é'.repeat(10),
    ];
    for (const sample of samples) {
      const quoted = quote(sample);
      assert.equal(JSON.parse(quoted), sample);
      assert.ok(
        !/[\u0000-\u001f\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/.test(quoted),
        JSON.stringify(quoted),
      );
      assert.ok(!/\\u[0-9a-f]{0,3}[A-F]/.test(quoted), 'hex digits are lowercase');
    }
  });
});

describe('frame builders', () => {
  test('open and heartbeat frames are single letters', { timeout: 2000 }, () => {
    assert.equal(OPEN_FRAME, 'o');
    assert.equal(HEARTBEAT_FRAME, 'h');
  });

  test('messageFrame: messages in order, each quoted', { timeout: 2000 }, () => {
    assert.equal(messageFrame([]), 'a[]');
    assert.equal(messageFrame(['a']), 'a["a"]');
    assert.equal(messageFrame(['a', '', 'b"c']), 'a["a","","b\\"c"]');
    assert.equal(messageFrame(['\u2028', '😀']), 'a["\\u2028","\\ud83d\\ude00"]');
  });

  test('closeFrame: c[code,"reason"] with the reason quoted', { timeout: 2000 }, () => {
    assert.equal(closeFrame(3000, 'Go away!'), 'c[3000,"Go away!"]');
    assert.equal(closeFrame(2010, 'Another connection still open'), 'c[2010,"Another connection still open"]');
    assert.equal(closeFrame(1000, ''), 'c[1000,""]');
    assert.equal(closeFrame(4000, 'a "b" \u2028'), 'c[4000,"a \\"b\\" \\u2028"]');
  });
});

describe('decodeMessages', () => {
  test('a JSON array of strings gives its messages in order', { timeout: 2000 }, () => {
    assert.deepEqual(decodeMessages('["a","b"]'), { ok: true, messages: ['a', 'b'] });
    assert.deepEqual(decodeMessages('[]'), { ok: true, messages: [] });
    assert.deepEqual(decodeMessages(' [ "x" ] '), { ok: true, messages: ['x'] });
    assert.deepEqual(decodeMessages('["\\u2028\\ud83d\\ude00",""]'), { ok: true, messages: ['\u2028😀', ''] });
  });

  test('an empty payload is "empty"', { timeout: 2000 }, () => {
    assert.deepEqual(decodeMessages(''), { ok: false, problem: 'empty' });
  });

  test('JSON that does not parse is "broken"', { timeout: 2000 }, () => {
    for (const payload of ['[', '["a"', 'x', '["a",]', "['a']", '[a]', ' ']) {
      assert.deepEqual(decodeMessages(payload), { ok: false, problem: 'broken' }, payload);
    }
  });

  test('JSON that is not an array is "empty" (no payload)', { timeout: 2000 }, () => {
    for (const payload of ['{}', '{"a":1}', 'null', '5', 'true', '"str"']) {
      assert.deepEqual(decodeMessages(payload), { ok: false, problem: 'empty' }, payload);
    }
  });

  test('an array with anything but strings is "broken"', { timeout: 2000 }, () => {
    for (const payload of ['[1]', '["a",null]', '[["a"]]', '[{"a":1}]', '[true]']) {
      assert.deepEqual(decodeMessages(payload), { ok: false, problem: 'broken' }, payload);
    }
  });

  test('a bare JSON string is one message only when allowed (websocket)', { timeout: 2000 }, () => {
    assert.deepEqual(decodeMessages('"bare"', true), { ok: true, messages: ['bare'] });
    assert.deepEqual(decodeMessages('"bare"', false), { ok: false, problem: 'empty' });
    assert.deepEqual(decodeMessages('["a"]', true), { ok: true, messages: ['a'] });
    assert.deepEqual(decodeMessages('5', true), { ok: false, problem: 'empty' });
  });
});

describe('parseFrame', () => {
  test('o, h, a[...] and c[code,"reason"] frames', { timeout: 2000 }, () => {
    assert.deepEqual(parseFrame('o'), { type: 'open' });
    assert.deepEqual(parseFrame('h'), { type: 'heartbeat' });
    assert.deepEqual(parseFrame('a["x","y"]'), { type: 'messages', messages: ['x', 'y'] });
    assert.deepEqual(parseFrame('a[]'), { type: 'messages', messages: [] });
    assert.deepEqual(parseFrame('c[3000,"Go away!"]'), { type: 'close', code: 3000, reason: 'Go away!' });
  });

  test('inverts the builders', { timeout: 2000 }, () => {
    const messages = ['', '\u2028', '😀', '"\\', '\uffff'];
    assert.deepEqual(parseFrame(messageFrame(messages)), { type: 'messages', messages });
    assert.deepEqual(parseFrame(closeFrame(4001, 'b\u2029ye')), { type: 'close', code: 4001, reason: 'b\u2029ye' });
  });

  test('anything else throws a SyntaxError', { timeout: 2000 }, () => {
    for (const text of [
      '',
      'x',
      'oo',
      'o\n',
      'hh',
      'a',
      'a{',
      'a"x"',
      'a[1]',
      'c',
      'c[',
      'c[3000]',
      'c["3000","x"]',
      'c[3000,5]',
      'c{}',
      'm"x"',
    ]) {
      assert.throws(() => parseFrame(text), SyntaxError, JSON.stringify(text));
    }
  });
});

describe('parseFrameLines', () => {
  test('a whole body: the prelude set aside, every frame in order', { timeout: 2000 }, () => {
    const body = XHR_STREAMING_PRELUDE + 'o\nh\na["x"]\nc[3000,"Go away!"]\n';
    assert.deepEqual(parseFrameLines(body), {
      frames: [
        { type: 'open' },
        { type: 'heartbeat' },
        { type: 'messages', messages: ['x'] },
        { type: 'close', code: 3000, reason: 'Go away!' },
      ],
      other: [XHR_STREAMING_PRELUDE.trimEnd()],
    });
  });

  test('a piece cut out of a stream: whole frames only, the cut ends set aside', { timeout: 2000 }, () => {
    assert.deepEqual(parseFrameLines('1"]\nh\na["p1","p2"]\na["p3"'), {
      frames: [{ type: 'heartbeat' }, { type: 'messages', messages: ['p1', 'p2'] }],
      other: ['1"]', 'a["p3"'],
    });
    assert.deepEqual(parseFrameLines(''), { frames: [], other: [] });
  });
});
