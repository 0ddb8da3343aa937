/**
 * Unicode handling of JSON payloads. The server must escape a precise set of
 * code points when it frames messages (characters that browsers or proxies
 * mangle), and must decode every escape the client uses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { POST } from '../support/raw-http';
import { newSessionPath } from '../support/sockjs';

const target = useTarget();

type Range = readonly [number, number];

/** Code points the server must emit as \uXXXX (lowercase hex) when framing. */
const SERVER_ESCAPES: readonly Range[] = [
  [0x0000, 0x001f],
  [0x200c, 0x200f],
  [0x2028, 0x202f],
  [0x2060, 0x206f],
  [0xfff0, 0xffff],
];

/** Code points the SockJS client escapes before sending (so the server must decode them). */
const CLIENT_ESCAPES: readonly Range[] = [
  [0x22, 0x22],
  [0x5c, 0x5c],
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0xad, 0xad],
  [0x0300, 0x0333],
  [0x033d, 0x0346],
  [0x034a, 0x034c],
  [0x0350, 0x0352],
  [0x0357, 0x0358],
  [0x035c, 0x0362],
  [0x0374, 0x0374],
  [0x037e, 0x037e],
  [0x0387, 0x0387],
  [0x0591, 0x05af],
  [0x05c4, 0x05c4],
  [0x0600, 0x0604],
  [0x0610, 0x0617],
  [0x0653, 0x0654],
  [0x0657, 0x065b],
  [0x065d, 0x065e],
  [0x06df, 0x06e2],
  [0x06eb, 0x06ec],
  [0x070f, 0x070f],
  [0x0730, 0x0730],
  [0x0732, 0x0733],
  [0x0735, 0x0736],
  [0x073a, 0x073a],
  [0x073d, 0x073d],
  [0x073f, 0x0741],
  [0x0743, 0x0743],
  [0x0745, 0x0745],
  [0x0747, 0x0747],
  [0x07eb, 0x07f1],
  [0x0951, 0x0951],
  [0x0958, 0x095f],
  [0x09dc, 0x09dd],
  [0x09df, 0x09df],
  [0x0a33, 0x0a33],
  [0x0a36, 0x0a36],
  [0x0a59, 0x0a5b],
  [0x0a5e, 0x0a5e],
  [0x0b5c, 0x0b5d],
  [0x0e38, 0x0e39],
  [0x0f43, 0x0f43],
  [0x0f4d, 0x0f4d],
  [0x0f52, 0x0f52],
  [0x0f57, 0x0f57],
  [0x0f5c, 0x0f5c],
  [0x0f69, 0x0f69],
  [0x0f72, 0x0f76],
  [0x0f78, 0x0f78],
  [0x0f80, 0x0f83],
  [0x0f93, 0x0f93],
  [0x0f9d, 0x0f9d],
  [0x0fa2, 0x0fa2],
  [0x0fa7, 0x0fa7],
  [0x0fac, 0x0fac],
  [0x0fb9, 0x0fb9],
  [0x17b4, 0x17b5],
  [0x1939, 0x193a],
  [0x1a17, 0x1a17],
  [0x1b6b, 0x1b6b],
  [0x1cda, 0x1cdb],
  [0x1dc0, 0x1dcf],
  [0x1dfc, 0x1dfc],
  [0x1dfe, 0x1dfe],
  [0x1f71, 0x1f71],
  [0x1f73, 0x1f73],
  [0x1f75, 0x1f75],
  [0x1f77, 0x1f77],
  [0x1f79, 0x1f79],
  [0x1f7b, 0x1f7b],
  [0x1f7d, 0x1f7d],
  [0x1fbb, 0x1fbb],
  [0x1fbe, 0x1fbe],
  [0x1fc9, 0x1fc9],
  [0x1fcb, 0x1fcb],
  [0x1fd3, 0x1fd3],
  [0x1fdb, 0x1fdb],
  [0x1fe3, 0x1fe3],
  [0x1feb, 0x1feb],
  [0x1fee, 0x1fef],
  [0x1ff9, 0x1ff9],
  [0x1ffb, 0x1ffb],
  [0x1ffd, 0x1ffd],
  [0x2000, 0x20ff],
  [0x2126, 0x2126],
  [0x212a, 0x212b],
  [0x2329, 0x232a],
  [0x2adc, 0x2adc],
  [0x302b, 0x302c],
  [0xaab2, 0xaab3],
  [0xf900, 0xfa0d],
  [0xfa10, 0xfa10],
  [0xfa12, 0xfa12],
  [0xfa15, 0xfa1e],
  [0xfa20, 0xfa20],
  [0xfa22, 0xfa22],
  [0xfa25, 0xfa26],
  [0xfa2a, 0xfa2d],
  [0xfa30, 0xfa6d],
  [0xfa70, 0xfad9],
  [0xfb1d, 0xfb1d],
  [0xfb1f, 0xfb1f],
  [0xfb2a, 0xfb36],
  [0xfb38, 0xfb3c],
  [0xfb3e, 0xfb3e],
  [0xfb40, 0xfb41],
  [0xfb43, 0xfb44],
  [0xfb46, 0xfb4e],
  [0xfeff, 0xfeff],
  [0xfff0, 0xffff],
];

/** Every BMP code point in [from, to) that lies in one of `ranges`, ascending, each once. */
function codePointsIn(ranges: readonly Range[], from = 0, to = 0x10000): number[] {
  const out: number[] = [];
  for (let cp = from; cp < to; cp++) {
    if (ranges.some(([lo, hi]) => cp >= lo && cp <= hi)) out.push(cp);
  }
  return out;
}

const escapeAll = (cps: readonly number[]): string =>
  cps.map((cp) => '\\u' + cp.toString(16).padStart(4, '0')).join('');

async function openSession(): Promise<string> {
  const session = newSessionPath('echo');
  const r = await POST(target().port, session + '/xhr');
  assert.equal(r.body, 'o\n');
  assert.equal(r.status, 200);
  return session;
}

describe('JSON unicode encoding', () => {
  test(
    'the server escapes exactly U+200C-200F, U+2028-202F, U+2060-206F and U+FFF0-FFFF as lowercase \\uXXXX',
    { timeout: 15_000 },
    async () => {
      const { port } = target();
      const session = await openSession();
      // Sent raw (UTF-8), in the range above U+00FF where JSON itself escapes nothing.
      const cps = codePointsIn(SERVER_ESCAPES, 0x00ff);
      const raw = String.fromCharCode(...cps);

      let r = await POST(port, session + '/xhr_send', { body: '["' + raw + '"]' });
      assert.equal(r.status, 204);

      r = await POST(port, session + '/xhr');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'a["' + escapeAll(cps) + '"]\n');
    },
  );

  test(
    'the server decodes every \\uXXXX escape the client sends and returns the same string',
    { timeout: 15_000 },
    async () => {
      const { port } = target();
      const session = await openSession();
      const escaped = '"' + escapeAll(codePointsIn(CLIENT_ESCAPES)) + '"';

      let r = await POST(port, session + '/xhr_send', { body: '[' + escaped + ']' });
      assert.equal(r.status, 204);

      r = await POST(port, session + '/xhr');
      assert.equal(r.status, 200);
      const framed = r.body.trim();
      assert.ok(framed.startsWith('a[') && framed.endsWith(']'), `unexpected frame ${framed.slice(0, 40)}...`);
      const received = JSON.parse(framed.slice(2, -1)) as unknown;
      assert.equal(received, JSON.parse(escaped) as unknown);
    },
  );
});
