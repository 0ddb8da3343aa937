/**
 * Properties of the frame codec (server/protocol/frames.ts), for any string — not only
 * well-formed Unicode: lone surrogates, every control character, the zero-width and direction
 * marks, U+2028/2029, the specials block.
 *
 * Lone surrogates: JSON.parse(JSON.stringify(s)) === s holds for every JS string since
 * well-formed JSON.stringify (ES2019) escapes a lone surrogate as \udxxx instead of emitting it
 * raw. quote() keeps that escape (and escapes paired surrogates too), so the wire form holds no
 * surrogate code unit at all: it survives UTF-8 encoding unchanged, and JSON.parse on the client
 * restores the exact code units. The properties below check exactly that, rather than assuming it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { closeFrame, decodeMessages, messageFrame, parseFrame, quote } from '../../protocol';

/** The ranges quote() promises to escape (browsers and proxies mangle them raw). */
const ESCAPED_RANGES = /[\x00-\x1f\ud800-\udfff\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/;

const RUNS = { numRuns: 2000 };

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Characters on the edges of every escaped range, and JSON's own specials. */
const tricky = fc.constantFrom(
  ...[
    0x00, 0x08, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x22, 0x2f, 0x3c, 0x5c, 0x7f, 0x80, 0xa0, 0xfeff, 0x200b, 0x200c, 0x200f,
    0x2010, 0x2027, 0x2028, 0x2029, 0x202f, 0x2030, 0x205f, 0x2060, 0x206f, 0x2070, 0xd7ff, 0xd800, 0xdbff, 0xdc00,
    0xdfff, 0xe000, 0xffef, 0xfff0, 0xfffd, 0xfffe, 0xffff,
  ].map((c) => String.fromCharCode(c)),
);

/** Strings of any code units, biased towards the tricky ones. */
const anyString = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 64 }),
  fc.string({ unit: fc.oneof(tricky, codeUnit, fc.constantFrom('a', 'é', '€', '😀')), maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 32 }),
  fc.string({ unit: 'binary-ascii', maxLength: 64 }),
);

/** Walks a JSON string literal: every \u escape must be 4 lowercase hex digits. */
function escapesAreLowercase(literal: string): boolean {
  for (let i = 1; i < literal.length - 1; i++) {
    if (literal[i] !== '\\') continue;
    i++;
    if (literal[i] === 'u') {
      const hex = literal.slice(i + 1, i + 5);
      if (!/^[0-9a-f]{4}$/.test(hex)) return false;
      i += 4;
    }
  }
  return true;
}

/** Round trip through the bytes a socket carries. */
function overTheWire(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

describe('quote()', () => {
  test('is JSON that parses back to the very same code units', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(anyString, (s) => {
        assert.equal(JSON.parse(quote(s)), s);
      }),
      RUNS,
    );
  });

  test('leaves no raw character of the escaped ranges, so UTF-8 transport changes nothing', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const quoted = quote(s);
        assert.doesNotMatch(quoted, ESCAPED_RANGES);
        assert.equal(overTheWire(quoted), quoted);
        assert.equal(JSON.parse(overTheWire(quoted)), s);
      }),
      RUNS,
    );
  });

  test('writes every \\u escape as four lowercase hex digits', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(anyString, (s) => escapesAreLowercase(quote(s))),
      RUNS,
    );
  });

  test('escapes exactly: each escaped-range character becomes its own \\uxxxx', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.string({ unit: tricky, maxLength: 16 }), (s) => {
        const expected = '"' + [...s].map((c) => escapeModel(c)).join('') + '"';
        // [...s] splits by code point; paired surrogates come out as two escapes in the model too.
        assert.equal(quote(s), expected);
      }),
      RUNS,
    );
  });

  test('lone and paired surrogates travel as \\udxxx escapes (examples)', { timeout: 2000 }, () => {
    assert.equal(quote('\ud800'), '"\\ud800"');
    assert.equal(quote('\udfff'), '"\\udfff"');
    assert.equal(quote('a\udc00\ud800b'), '"a\\udc00\\ud800b"');
    assert.equal(quote('😀'), '"\\ud83d\\ude00"');
    assert.equal(JSON.parse(quote('\ud800x')), '\ud800x');
  });
});

/** A reference escaper for one code point's worth of characters from `tricky`. */
function escapeModel(char: string): string {
  let out = '';
  for (let i = 0; i < char.length; i++) {
    const c = char.charCodeAt(i);
    const unit = String.fromCharCode(c);
    if (unit === '"') out += '\\"';
    else if (unit === '\\') out += '\\\\';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else if (ESCAPED_RANGES.test(unit)) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += unit;
  }
  return out;
}

describe('message frames', () => {
  test('parseFrame(messageFrame([s])) gives back [s] for any string', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(anyString, (s) => {
        assert.deepEqual(parseFrame(messageFrame([s])), { type: 'messages', messages: [s] });
      }),
      RUNS,
    );
  });

  test('any array of strings round-trips, in order, also after UTF-8 transport', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.array(anyString, { maxLength: 12 }), (messages) => {
        const frame = messageFrame(messages);
        assert.ok(frame.startsWith('a['));
        assert.deepEqual(parseFrame(overTheWire(frame)), { type: 'messages', messages });
        assert.deepEqual(JSON.parse(frame.slice(1)), messages);
      }),
      RUNS,
    );
  });

  test(
    'a frame never contains a raw newline, so line-based transports keep one frame per line',
    { timeout: 30_000 },
    () => {
      fc.assert(
        fc.property(fc.array(anyString, { maxLength: 8 }), (messages) => {
          assert.ok(!/[\r\n\u2028\u2029]/.test(messageFrame(messages)));
        }),
        RUNS,
      );
    },
  );
});

describe('close frames', () => {
  test('round-trip any code and any reason', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.integer(), anyString, (code, reason) => {
        const frame = closeFrame(code, reason);
        assert.deepEqual(parseFrame(overTheWire(frame)), { type: 'close', code, reason });
      }),
      RUNS,
    );
  });

  test('the protocol codes look as the protocol spells them', { timeout: 2000 }, () => {
    assert.equal(closeFrame(3000, 'Go away!'), 'c[3000,"Go away!"]');
    assert.equal(closeFrame(2010, 'Another connection still open'), 'c[2010,"Another connection still open"]');
  });
});

describe('decodeMessages()', () => {
  test('JSON.stringify(arr) of strings decodes to arr', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.array(anyString, { maxLength: 12 }), (messages) => {
        assert.deepEqual(decodeMessages(JSON.stringify(messages)), { ok: true, messages });
        assert.deepEqual(decodeMessages(JSON.stringify(messages), true), { ok: true, messages });
      }),
      RUNS,
    );
  });

  test('a bare JSON string is one message only where allowed (websocket)', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(anyString, (s) => {
        assert.deepEqual(decodeMessages(JSON.stringify(s), true), { ok: true, messages: [s] });
        assert.deepEqual(decodeMessages(JSON.stringify(s)), { ok: false, problem: 'empty' });
      }),
      RUNS,
    );
  });

  test('never throws, and agrees with a reference model on any input', { timeout: 30_000 }, () => {
    const json = fc.jsonValue().map((value) => JSON.stringify(value) ?? '');
    const arrays = fc
      .array(
        fc.oneof(
          anyString.map((s): unknown => s),
          fc.jsonValue(),
        ),
        { maxLength: 6 },
      )
      .map((a) => JSON.stringify(a));
    fc.assert(
      fc.property(fc.oneof(anyString, json, arrays), fc.boolean(), (payload, bare) => {
        assert.deepEqual(decodeMessages(payload, bare), model(payload, bare));
      }),
      { numRuns: 3000 },
    );
  });

  test(
    'what the server sends, a client decodes: decode(messageFrame(arr) without "a") === arr',
    { timeout: 30_000 },
    () => {
      fc.assert(
        fc.property(fc.array(anyString, { maxLength: 12 }), (messages) => {
          assert.deepEqual(decodeMessages(messageFrame(messages).slice(1)), { ok: true, messages });
        }),
        RUNS,
      );
    },
  );
});

function model(payload: string, bare: boolean): ReturnType<typeof decodeMessages> {
  if (payload === '') return { ok: false, problem: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { ok: false, problem: 'broken' };
  }
  if (bare && typeof value === 'string') return { ok: true, messages: [value] };
  if (!Array.isArray(value)) return { ok: false, problem: 'empty' };
  if (!value.every((item) => typeof item === 'string')) return { ok: false, problem: 'broken' };
  return { ok: true, messages: value };
}

describe('parseFrame()', () => {
  test('on any text: a frame, or a SyntaxError — never another kind of failure', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyString,
          anyString.map((s) => 'a' + s),
          anyString.map((s) => 'c' + s),
        ),
        (text) => {
          try {
            const frame = parseFrame(text);
            assert.ok(['open', 'heartbeat', 'messages', 'close'].includes(frame.type));
          } catch (error) {
            assert.ok(error instanceof SyntaxError, `threw ${String(error)}`);
          }
        },
      ),
      RUNS,
    );
  });
});
