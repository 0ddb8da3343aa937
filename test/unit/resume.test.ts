/**
 * The resume extension's pure parts: the wire codec (protocol/resume.ts) and what a resumable
 * session keeps (server/session/resume-log.ts): confirmations, resends and duplicate batches.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeClientClose,
  encodeResumeBatch,
  parseClientClose,
  parseCount,
  parseFrame,
  parseResumeBatch,
  resumeFrame,
  resumeParameter,
} from '../../protocol';
import { ResumeLog } from '../../server/session/resume-log';

describe('resume codec', () => {
  test('counts: decimal, no sign or leading zero, at most 2^53 − 1', () => {
    assert.equal(parseCount('0'), 0);
    assert.equal(parseCount('1500'), 1500);
    assert.equal(parseCount('9007199254740991'), Number.MAX_SAFE_INTEGER);
    for (const bad of ['', '-1', '01', '1.5', '1e3', ' 1', '9007199254740992', 'x'])
      assert.equal(parseCount(bad), undefined, bad);
  });

  test('the resume parameter: absent, new, a count, or invalid', () => {
    assert.equal(resumeParameter(''), undefined);
    assert.equal(resumeParameter('t=1'), undefined);
    assert.equal(resumeParameter('resume=new'), 'new');
    assert.equal(resumeParameter('t=1&resume=42'), 42);
    assert.equal(resumeParameter('resume=-3'), 'invalid');
    assert.equal(resumeParameter('resume='), 'invalid');
    assert.equal(resumeParameter('xresume=5'), undefined, 'another key that ends the same');
  });

  test('numbered batches round trip; anything else is not one', () => {
    const text = encodeResumeBatch(7, 12, '["a","b"]');
    assert.equal(text, 'r7,12["a","b"]');
    assert.deepEqual(parseResumeBatch(text), { seq: 7, ack: 12, payload: '["a","b"]' });
    assert.deepEqual(parseResumeBatch('r0,0[]'), { seq: 0, ack: 0, payload: '[]' });
    for (const bad of ['["a"]', 'r7["a"]', 'r,1[]', 'r1,[]', 'r01,1[]', 'r1,1', 'r1[,1]'])
      assert.equal(parseResumeBatch(bad), undefined, bad);
  });

  test('r frames parse as acknowledgements; malformed ones are not frames', () => {
    assert.equal(resumeFrame(5), 'r5');
    assert.deepEqual(parseFrame('r5'), { type: 'ack', count: 5 });
    for (const bad of ['r', 'r-1', 'r05', 'r5x', 'r9007199254740992'])
      assert.throws(() => parseFrame(bad), SyntaxError, bad);
  });

  test("a client's close over HTTP", () => {
    assert.equal(encodeClientClose(3001, 'bye "x"'), 'c[3001,"bye \\"x\\""]');
    assert.deepEqual(parseClientClose(encodeClientClose(1000, 'Normal closure')), {
      code: 1000,
      reason: 'Normal closure',
    });
    for (const bad of ['c[1000]', 'c["1000","x"]', 'c[1000,"x",1]', 'c{', '[1000,"x"]'])
      assert.equal(parseClientClose(bad), undefined, bad);
  });
});

describe('ResumeLog', () => {
  test('keeps written frames until confirmed, and gives back the rest to write again', () => {
    const log = new ResumeLog(1000);
    log.wrote(['"a"', '"b"'], 2);
    log.wrote(['"c"'], 1);
    assert.equal(log.written, 3);
    assert.ok(log.confirm(1), 'mid-frame');
    assert.deepEqual(log.takeUnconfirmed().quoted, ['"b"', '"c"']);
    assert.equal(log.written, 1, 'taken back: written again from 1');
    assert.equal(log.confirm(0), false, 'below what was confirmed');
    assert.equal(log.confirm(2), false, 'above what was written');
  });

  test('full at the byte bound, with at least one frame always allowed', () => {
    const log = new ResumeLog(10);
    assert.equal(log.full, false);
    log.wrote(['"' + 'x'.repeat(50) + '"'], 50);
    assert.equal(log.full, true);
    assert.ok(log.confirm(1));
    assert.equal(log.full, false);
  });

  test('batches sent again deliver only what is new; a gap is refused', () => {
    const log = new ResumeLog(1000);
    assert.equal(log.alreadyDelivered(0, 3), 0);
    assert.equal(log.delivered, 3);
    assert.equal(log.alreadyDelivered(1, 4), 2, 'two of them seen before');
    assert.equal(log.delivered, 5);
    assert.equal(log.alreadyDelivered(0, 2), 2, 'all seen');
    assert.equal(log.alreadyDelivered(7, 1), undefined, 'skips 5 and 6');
    assert.equal(log.delivered, 5);
  });
});
