/**
 * The resume extension's wire format, byte for byte, as docs/resume.md states it: the `/info` offer,
 * `resume=new` and its id length, `r<delivered>` at the head of every later receiving response (not
 * ending a poll), unconfirmed frames written again, numbered batches with duplicates skipped and gaps
 * refused, `c[2011,…]` for a session the server does not have, and a client's close over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Events } from '../support/events';
import { Resources } from '../support/resources';
import { serveEndpoints, type ExpressServer } from '../support/servers';

const resources = new Resources();
after(() => resources.closeAll());

const ID = 'abcdefghijklmnop'; // 16 characters: the least a resumable session may have
const received = new Events<string>();
const closes = new Events<string>();
let base = '';

before(async () => {
  const server: ExpressServer = await serveEndpoints([
    {
      prefix: '/r',
      resumeWindow: 5000,
      resumeMaxBytes: 4096,
      heartbeatDelay: 300,
      handler: {
        onMessage: (session, message) => {
          received.push(message);
          session.send(`echo ${message}`);
        },
        onClose: (_session, { code, reason }) => closes.push(`${code} ${reason}`),
      },
    },
  ]);
  resources.add(server, (s) => s.close());
  base = `${server.baseUrl}/r`;
});

async function post(path: string, body?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', ...(body !== undefined && { body }) });
  return { status: response.status, text: await response.text() };
}

describe('the resume extension on the wire', () => {
  test('/info offers it', async () => {
    const info = (await (await fetch(`${base}/info`)).json()) as { resume?: unknown };
    assert.deepEqual(info.resume, { version: 1, window: 5000, maxBytes: 4096 });
  });

  test('resume=new with an id under 16 characters: 400', async () => {
    assert.deepEqual(await post('/000/short/xhr?resume=new'), { status: 400, text: 'Invalid resume request.' });
    assert.deepEqual(await post('/000/abcdefghijklmnop/xhr?resume=soon'), {
      status: 400,
      text: 'Invalid resume request.',
    });
  });

  test('a session taken up by count: r first, then what was not confirmed, again until it is', async () => {
    assert.deepEqual(await post(`/000/${ID}/xhr?resume=new`), { status: 200, text: 'o\n' });
    assert.deepEqual(await post(`/000/${ID}/xhr_send`, 'r0,0["a"]'), { status: 204, text: '' });
    await received.waitFor((m) => m === 'a', 'a delivered');
    assert.equal((await post(`/000/${ID}/xhr?resume=0`)).text, 'r1\na["echo a"]\n');
    // Not confirmed (the client says it still has 0): written again.
    assert.equal((await post(`/000/${ID}/xhr?resume=0`)).text, 'r1\na["echo a"]\n');
    // Confirmed: nothing to resend; the poll waits for the next frame (a heartbeat).
    assert.equal((await post(`/000/${ID}/xhr?resume=1`)).text, 'r1\nh\n');
  });

  test('a batch sent again is delivered once; a gap or an impossible confirmation is refused', async () => {
    assert.equal((await post(`/000/${ID}/xhr_send`, 'r0,1["a","b"]')).status, 204);
    await received.waitFor((m) => m === 'b', 'b delivered');
    assert.deepEqual(received.items, ['a', 'b'], 'a once');
    assert.deepEqual(await post(`/000/${ID}/xhr_send`, 'r5,1["x"]'), {
      status: 400,
      text: 'Resume sequence out of range.',
    });
    assert.equal((await post(`/000/${ID}/xhr_send`, 'r2,99["x"]')).status, 400);
    assert.equal((await post(`/000/${ID}/xhr?resume=99`)).text, 'c[2011,"Session not resumable from 99"]\n');
    assert.deepEqual(received.items, ['a', 'b']);
  });

  test('a session the server does not have: c[2011]', async () => {
    assert.deepEqual(await post('/000/nosuchsession0000/xhr_streaming?resume=4'), {
      status: 200,
      text: 'h'.repeat(2048) + '\nc[2011,"Session not resumable"]\n',
    });
  });

  test("the client's close over HTTP ends the session with its code", async () => {
    assert.equal((await post(`/000/${ID}/xhr_send`, 'c[3001,"bye"]')).status, 204);
    await closes.waitFor((c) => c === '3001 bye', 'the close');
  });
});
