/** Session closing: close frames, competing receivers, and aborted receivers. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTarget } from '../support/targets';
import { type HttpResponse, openStream, POST, RawHttpConnection } from '../support/raw-http';
import { ANOTHER_CONNECTION_FRAME, GO_AWAY_FRAME, INTERRUPTED_FRAME, newSessionPath } from '../support/sockjs';
import { requestArrival, socketClosed } from '../support/server-events';
import { nextTurn, pollUntil } from '../support/wait';

const target = useTarget();

/** Opens an xhr_streaming request and consumes its prelude. */
async function streamAfterPrelude(path: string) {
  const stream = await openStream(target().port, 'POST', path + '/xhr_streaming');
  assert.equal(stream.head.status, 200);
  assert.ok(await stream.conn.readChunkText(), 'prelude');
  return stream.conn;
}

/** A second xhr_streaming receiver on `session`: refused with 2010, and its response ends. */
async function assertSecondReceiverRefused(session: string): Promise<void> {
  const r2 = await streamAfterPrelude(session);
  try {
    assert.equal(await r2.readChunkText(), ANOTHER_CONNECTION_FRAME + '\n');
    assert.equal(await r2.readChunkText(), null);
  } finally {
    r2.destroy();
  }
}

/**
 * Polls until the server has let go of an aborted receiver: a new receiver
 * may briefly still see 2010 while the abort is being processed. Returns the
 * first frame that is not 2010.
 */
async function firstFrameAfterAbort(read: () => Promise<string>): Promise<string> {
  return pollUntil(async () => {
    const frame = await read();
    return frame === ANOTHER_CONNECTION_FRAME + '\n' ? undefined : frame;
  }, 'a receiver that is not refused with 2010 after the abort');
}

describe('handling close', () => {
  test(
    'after an application close, the streaming response gets the close frame and ends; a later one gets it too',
    { timeout: 10_000 },
    async () => {
      const session = newSessionPath('close');
      const r1 = await streamAfterPrelude(session);
      try {
        assert.equal(await r1.readChunkText(), 'o\n');
        assert.equal(await r1.readChunkText(), GO_AWAY_FRAME + '\n');

        const r2 = await streamAfterPrelude(session);
        try {
          assert.equal(await r2.readChunkText(), GO_AWAY_FRAME + '\n');
          assert.equal(await r1.readChunkText(), null, 'first response ended after the close frame');
          assert.equal(await r2.readChunkText(), null, 'second response ended after the close frame');
        } finally {
          r2.destroy();
        }
      } finally {
        r1.destroy();
      }
    },
  );

  test(
    'a second streaming receiver gets c[2010,"Another connection still open"] and its response ends',
    { timeout: 10_000 },
    async () => {
      const session = newSessionPath('echo');
      const r1 = await streamAfterPrelude(session);
      try {
        assert.equal(await r1.readChunkText(), 'o\n');
        await assertSecondReceiverRefused(session);
      } finally {
        r1.destroy();
      }
    },
  );

  test(
    'aborting the streaming receiver ends the session: the next receiver gets "o" (new session) or c[1002,...]',
    { timeout: 15_000 },
    async () => {
      const { server } = target();
      const session = newSessionPath('echo');

      const r1conn = await RawHttpConnection.connect(target().port);
      const arrived = requestArrival(server, r1conn.localPort);
      await r1conn.sendRequest({ method: 'POST', path: session + '/xhr_streaming' });
      const r1serverSide = await arrived;
      try {
        assert.equal((await r1conn.readHead()).status, 200);
        assert.ok(await r1conn.readChunkText(), 'prelude');
        assert.equal(await r1conn.readChunkText(), 'o\n');

        await assertSecondReceiverRefused(session);
      } finally {
        r1conn.destroy();
      }
      await socketClosed(r1serverSide.socket);

      const frame = await firstFrameAfterAbort(async () => {
        const r3 = await streamAfterPrelude(session);
        try {
          return (await r3.readChunkText()) ?? '';
        } finally {
          r3.destroy();
        }
      });
      assert.ok(frame === 'o\n' || frame === INTERRUPTED_FRAME + '\n', `unexpected frame ${JSON.stringify(frame)}`);
    },
  );

  test(
    'aborting the polling receiver ends the session: the next poll gets "o" (new session) or c[1002,...]',
    { timeout: 15_000 },
    async () => {
      const { port, server } = target();
      const session = newSessionPath('echo');
      let r: HttpResponse = await POST(port, session + '/xhr');
      assert.equal(r.body, 'o\n');

      // A poll that waits on the session (nothing to deliver).
      const r1 = await RawHttpConnection.connect(port);
      const arrived = requestArrival(server, r1.localPort);
      await r1.sendRequest({ method: 'POST', path: session + '/xhr' });
      const r1serverSide = await arrived;
      await nextTurn();

      try {
        r = await POST(port, session + '/xhr');
        assert.equal(r.body, ANOTHER_CONNECTION_FRAME + '\n');
      } finally {
        r1.destroy();
      }
      await socketClosed(r1serverSide.socket);

      const frame = await firstFrameAfterAbort(async () => (await POST(port, session + '/xhr')).body);
      assert.ok(frame === 'o\n' || frame === INTERRUPTED_FRAME + '\n', `unexpected frame ${JSON.stringify(frame)}`);
    },
  );
});
