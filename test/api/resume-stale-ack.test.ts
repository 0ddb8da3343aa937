/**
 * The resume extension (docs/resume.md) on the wire, over xhr-polling by hand: a numbered batch
 * whose confirmation is below what a later poll's `resume=` already confirmed. A browser does this:
 * the xhr_send and the poll are separate requests, and a send posted before a poll (or posted again
 * by the browser after a cut) can arrive after it. The confirmation is stale, not a client that lost
 * track: the batch is delivered (204), not refused with 400.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { SockJsSession } from '../../server';
import { Events } from '../support/events';
import { Resources } from '../support/resources';
import { serveEndpoints } from '../support/servers';

const resources = new Resources();
after(() => resources.closeAll());

/** At least 16 characters, as a resumable session id must be. */
const SESSION_ID = 'abcdefghijklmnopqrstuv';

test('a batch confirming less than a later poll did is delivered, not refused', async () => {
  const received = new Events<string>();
  const opened = new Events<SockJsSession>();
  const listening = resources.add(
    await serveEndpoints([
      {
        prefix: '/resume',
        resumeWindow: 10_000,
        handler: {
          onOpen: (session) => opened.push(session),
          onMessage: (session, message) => {
            received.push(message);
            session.send(`e${message}`);
          },
        },
      },
    ]),
    (l) => l.close(),
  );
  const session = `${listening.baseUrl}/resume/000/${SESSION_ID}`;
  const post = (path: string, body = '') => fetch(`${session}/${path}`, { method: 'POST', body });

  assert.equal(await (await post('xhr?resume=new')).text(), 'o\n');
  assert.equal((await post('xhr_send', 'r0,0["m0"]')).status, 204);
  // The first poll after the open: nothing received yet; the echo of m0 comes.
  assert.match(await (await post('xhr?resume=0')).text(), /a\["em0"\]/);
  (await opened.waitFor(() => true, 'the session')).send('x');
  // This poll confirms the echo (1 message received): the server forgets it.
  assert.match(await (await post('xhr?resume=1')).text(), /a\["x"\]/);

  // A batch posted before that poll, confirming 0: stale, and its message new.
  const stale = await post('xhr_send', 'r1,0["m1"]');
  assert.equal(stale.status, 204, `answered ${stale.status} ${await stale.text()}`);
  await received.waitFor((m) => m === 'm1', 'm1 delivered');
  assert.deepEqual(received.items, ['m0', 'm1']);
});
