/** Building test messages that stress framing and escaping, and comparing message lists readably. */
import assert from 'node:assert/strict';

/** One unit of mixed text: accents, CJK, an astral emoji, U+2028, quotes, a backslash, NUL, U+FFFF. */
export const MIXED_UNIT = 'aé中😀\u2028"\\\u0000\uffff';

/** About `size` UTF-16 code units of `pattern`, never ending on half a surrogate pair. */
export function sized(pattern: string, size: number): string {
  let text = pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
  if (/[\ud800-\udbff]$/.test(text)) text = text.slice(0, -1) + 'z';
  return text;
}

/** A JSON string literal with everything outside printable ASCII as `\uXXXX`. */
function visible(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Where a mismatch first occurs, for a readable failure; undefined when equal. */
export function firstDifference(actual: readonly string[], expected: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i]) {
      const show = (s: string | undefined): string =>
        s === undefined ? 'nothing' : `${visible(s.slice(0, 80))} (${s.length} chars)`;
      return `message ${i}: expected ${show(expected[i])}, got ${show(actual[i])}`;
    }
  }
  return undefined;
}

/** The first difference (readable), then the whole lists. */
export function assertSameMessages(actual: readonly string[], expected: readonly string[], what: string): void {
  assert.equal(firstDifference(actual, expected), undefined, what);
  assert.deepEqual(actual, expected, what);
}
