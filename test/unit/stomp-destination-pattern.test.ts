/** Destination names and patterns of the STOMP broker (server/stomp/broker/destination-pattern). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkDestination,
  DestinationPattern,
  isDestinationPattern,
  isUnderPrefix,
  MAX_DESTINATION_LENGTH,
  splitDestination,
} from '../../server/stomp/broker/destination-pattern';
import { assertThrowsCode } from '../support/assertions';

/** Each [pattern, destination, matches] row. */
function assertMatches(rows: readonly (readonly [string, string, boolean])[]): void {
  for (const [pattern, destination, expected] of rows) {
    const compiled = DestinationPattern.compile(pattern);
    assert.equal(compiled.matches(destination), expected, `${pattern} against ${destination}`);
    assert.equal(compiled.matches(splitDestination(destination)), expected, `${pattern} against split ${destination}`);
  }
}

describe('destination segments', () => {
  test('split after each "/" and "."', () => {
    assert.deepEqual(splitDestination('/topic/price.abc'), [
      { separator: '/', text: 'topic' },
      { separator: '/', text: 'price' },
      { separator: '.', text: 'abc' },
    ]);
    assert.deepEqual(splitDestination('/'), [{ separator: '/', text: '' }]);
    assert.deepEqual(splitDestination('/a//b.'), [
      { separator: '/', text: 'a' },
      { separator: '/', text: '' },
      { separator: '/', text: 'b' },
      { separator: '.', text: '' },
    ]);
  });

  test('a pattern is a destination with a "*"', () => {
    assert.equal(isDestinationPattern('/topic/a'), false);
    assert.equal(isDestinationPattern('/topic/a?'), false);
    assert.equal(isDestinationPattern('/topic/a*'), true);
  });

  test('prefixes are on whole segments, either separator', () => {
    assert.equal(isUnderPrefix('/topic', '/topic'), true);
    assert.equal(isUnderPrefix('/topic/a', '/topic'), true);
    assert.equal(isUnderPrefix('/topic.a', '/topic'), true);
    assert.equal(isUnderPrefix('/topicx', '/topic'), false);
    assert.equal(isUnderPrefix('/top', '/topic'), false);
  });
});

describe('destination patterns', () => {
  test('a name without "*" matches itself only', () => {
    assertMatches([
      ['/topic/a.b', '/topic/a.b', true],
      ['/topic/a.b', '/topic/a/b', false],
      ['/topic/a', '/topic/a/b', false],
      ['/topic/a/b', '/topic/a', false],
    ]);
  });

  test('"*" stays within one segment, after the same separator', () => {
    assertMatches([
      ['/topic/price.*', '/topic/price.abc', true],
      ['/topic/price.*', '/topic/price.', true],
      ['/topic/price.*', '/topic/price.a.b', false],
      ['/topic/price.*', '/topic/price/abc', false],
      ['/topic/price.*', '/topic/price', false],
      ['/topic/*', '/topic/price', true],
      ['/topic/*', '/topic/price.abc', false],
      ['/topic/*/x', '/topic/a/x', true],
      ['/topic/*/x', '/topic/a/b/x', false],
    ]);
  });

  test('"*" may be part of a segment', () => {
    assertMatches([
      ['/topic/price.st*', '/topic/price.stock', true],
      ['/topic/price.st*', '/topic/price.st', true],
      ['/topic/price.st*', '/topic/price.bond', false],
      ['/topic/price.*ck', '/topic/price.stock', true],
      ['/topic/price.s*o*k', '/topic/price.stock', true],
      ['/topic/price.s*o*k', '/topic/price.sock', true],
      ['/topic/price.s*o*k', '/topic/price.soak', true],
      ['/topic/price.s*o*k', '/topic/price.sk', false],
      ['/topic/price.a*a', '/topic/price.a', false],
      ['/topic/price.a*a', '/topic/price.aa', true],
      ['/topic/a**', '/topic/abc', true],
      ['/topic/a**', '/topic/a/b', false],
    ]);
  });

  test('"**" takes any depth, its first segment after its own separator', () => {
    assertMatches([
      ['/topic/**', '/topic', true],
      ['/topic/**', '/topic/a', true],
      ['/topic/**', '/topic/a/b.c/d', true],
      ['/topic/**', '/topic.a', false],
      ['/topic/**', '/topicx/a', false],
      ['/topic/price.**', '/topic/price', true],
      ['/topic/price.**', '/topic/price.a', true],
      ['/topic/price.**', '/topic/price.a.b', true],
      ['/topic/price.**', '/topic/price.a/b', true],
      ['/topic/price.**', '/topic/price/a', false],
      ['/topic/**/x', '/topic/x', true],
      ['/topic/**/x', '/topic/a/b/x', true],
      ['/topic/**/x', '/topic/a.b/x', true],
      ['/topic/**/x', '/topic/a/b.x', false],
      ['/topic/**/x', '/topic/a/x/y', false],
      ['/topic/**/*.x', '/topic/a/b.x', true],
      ['/**', '/anything/at.all', true],
      ['/topic/**/**/x', '/topic/x', true],
    ]);
  });

  test('many "**" against a long destination stay fast (no backtracking)', () => {
    const pattern = DestinationPattern.compile(`/topic${'/**/a'.repeat(30)}/b`);
    const destination = `/topic${'/a'.repeat(400)}`;
    const started = process.hrtime.bigint();
    assert.equal(pattern.matches(destination), false);
    assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, 'took over a second');
  });

  test('malformed destinations and patterns are refused with ERR_STOMP_DESTINATION', () => {
    assertThrowsCode(() => DestinationPattern.compile(''), 'ERR_STOMP_DESTINATION', /empty/);
    assertThrowsCode(() => DestinationPattern.compile('topic/*'), 'ERR_STOMP_DESTINATION', /start with "\/"/);
    assertThrowsCode(() => DestinationPattern.compile('/topic/\0*'), 'ERR_STOMP_DESTINATION', /NUL/);
    const long = `/topic/${'x'.repeat(MAX_DESTINATION_LENGTH)}`;
    assertThrowsCode(() => DestinationPattern.compile(long), 'ERR_STOMP_DESTINATION', /longer than 1024/);
    assertThrowsCode(() => checkDestination('/topic/abc', 5), 'ERR_STOMP_DESTINATION', /longer than 5/);
    assert.doesNotThrow(() => checkDestination('/topic/abc'));
  });

  test('the error message quotes a long destination cut short', () => {
    assertThrowsCode(() => checkDestination(`x${'y'.repeat(500)}`), 'ERR_STOMP_DESTINATION', /^[^\n]{0,140}$/);
  });
});
