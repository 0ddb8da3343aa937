/** Framing and session basics, demonstrated over xhr-polling. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { POST, RawHttpConnection } from '../support/raw-http';
import { assert404 } from '../support/assertions';
import { ANOTHER_CONNECTION_FRAME, GO_AWAY_FRAME, newSessionPath } from '../support/sockjs';
import { requestArrival } from '../support/server-events';
import { nextTurn } from '../support/wait';

const target = useTarget();

describe('protocol', () => {
  test(
    'a new session opens with "o", echoes sent messages as an "a" frame, and refuses a second concurrent poll with 2010',
    { timeout: 15_000 },
    async () => {
      const { port, server } = target();
      const session = newSessionPath('echo');

      let r = await POST(port, session + '/xhr');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'o\n');

      r = await POST(port, session + '/xhr_send', { body: '["a"]' });
      assert.equal(r.status, 204);
      assert.equal(r.body, '');

      r = await POST(port, session + '/xhr');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'a["a"]\n');

      // Sending to a session that does not exist is a 404.
      assert404(await POST(port, '/echo/000/bad_session/xhr_send', { body: '["a"]' }));

      // A first poll waits on the session (nothing to deliver yet)...
      const first = await RawHttpConnection.connect(port);
      try {
        const arrived = requestArrival(server, first.localPort);
        await first.sendRequest({ method: 'POST', path: session + '/xhr' });
        await arrived;
        await nextTurn();

        // ...so a second poll is answered at once with the 2010 close frame.
        r = await POST(port, session + '/xhr');
        assert.equal(r.status, 200);
        assert.equal(r.body, ANOTHER_CONNECTION_FRAME + '\n');

        // The first poll is still the session's receiver: it gets the next message.
        assert.equal((await POST(port, session + '/xhr_send', { body: '["b"]' })).status, 204);
        const head = await first.readHead();
        assert.equal(head.status, 200);
        assert.equal((await first.readBody(head, 'POST')).toString('utf8'), 'a["b"]\n');
      } finally {
        first.destroy();
      }
    },
  );

  test(
    'a session closed by the application answers "o" first and then its close frame on every later poll',
    { timeout: 10_000 },
    async () => {
      const { port } = target();
      const session = newSessionPath('close');

      let r = await POST(port, session + '/xhr');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'o\n');

      for (let i = 0; i < 2; i++) {
        r = await POST(port, session + '/xhr');
        assert.equal(r.status, 200);
        assert.equal(r.body, GO_AWAY_FRAME + '\n');
      }
    },
  );
});
