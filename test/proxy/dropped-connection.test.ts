/**
 * Mode 4 of the proxy scenarios: client → TCP cutter → nginx (close-delimited responses) →
 * server, and one connection dropped. sockjs-client sees its streaming response end (a 200 that
 * ended, as at every recycle) and asks again for the same session; `onDroppedResponse` decides
 * what it finds there. sockjs-client is restricted to xhr-streaming (the cuts are of streams),
 * and to xhr-polling for the last case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findNginx } from '../../demo/proxy/nginx';
import { dropCells, type DropCellResult } from '../../demo/proxy/dropped-connection';
import type { ScenarioContext } from '../../demo/proxy/rig';
import { describeCheck } from '../../demo/proxy/sequence';
import { ChangeBus, Stack } from '../../demo/proxy/wait';

const nginxBin = findNginx();
const skip = nginxBin
  ? false
  : 'nginx not installed at /usr/sbin/nginx (set NGINX=...; CI installs nginx-light): proxy scenarios skipped';

function assertClosed(cell: DropCellResult, code: number, reason: string): void {
  assert.equal(cell.survived, false);
  assert.deepEqual(cell.serverClose, { code, reason });
  assert.equal(cell.clientClose?.code, code);
}

function assertSurvivedExactlyOnce(cell: DropCellResult): void {
  assert.equal(
    cell.survived,
    true,
    `client ${JSON.stringify(cell.clientClose)}, server ${JSON.stringify(cell.serverClose)}`,
  );
  assert.equal(cell.clientClose, undefined);
  assert.equal(cell.serverClose, undefined);
  assert.equal(cell.serverSessions, 1, 'the same server session all along');
  for (const check of [cell.echoes, cell.pushes, cell.received]) {
    assert.ok(check);
    assert.ok(check.exactlyOnceInOrder, describeCheck(check));
  }
}

describe('behind a proxy that drops a connection mid-stream', { skip }, () => {
  const stack = new Stack();
  const ctx: ScenarioContext = { bus: new ChangeBus(), stack, ...(nginxBin ? { nginxBin } : {}) };
  let rig: Awaited<ReturnType<typeof dropCells.startDropRig>> | undefined;

  before(async () => {
    rig = await dropCells.startDropRig(ctx);
  });
  after(() => stack.dispose());

  function started(): NonNullable<typeof rig> {
    assert.ok(rig, 'server, nginx and cutter started');
    return rig;
  }

  test(
    "'interrupt' (the default): a dropped idle stream closes the session with 1002",
    { timeout: 30_000 },
    async () => {
      const cell = await dropCells.cutIdleStream(ctx, started(), 'interrupt');
      assert.match(cell.cutCarried, /^prelude \+ \d+ heartbeats?$/);
      assertClosed(cell, 1002, 'Connection interrupted');
    },
  );

  test(
    "'interrupt': a stream dropped with a frame in flight closes the session with 1002",
    { timeout: 30_000 },
    async () => {
      assertClosed(await dropCells.cutCarryingStream(ctx, started(), 'interrupt'), 1002, 'Connection interrupted');
    },
  );

  test(
    "'resume-if-idle': after a stream that carried only heartbeats is dropped, the session goes on, nothing lost",
    { timeout: 30_000 },
    async () => {
      const cell = await dropCells.cutIdleStream(ctx, started(), 'resume-if-idle');
      assert.match(cell.cutCarried, /^prelude \+ \d+ heartbeats?$/);
      assertSurvivedExactlyOnce(cell);
      // Recycled stream, the cut one, the one the client came back with: all for the same session id.
      assert.ok(cell.receivingRequests >= 3, `${cell.receivingRequests} receiving requests`);
    },
  );

  test("'resume-if-idle': a stream that had carried frames is dropped: 1002", { timeout: 30_000 }, async () => {
    assertClosed(await dropCells.cutCarryingStream(ctx, started(), 'resume-if-idle'), 1002, 'Connection interrupted');
  });

  test("'resume': a dropped idle stream, the session goes on, nothing lost", { timeout: 30_000 }, async () => {
    assertSurvivedExactlyOnce(await dropCells.cutIdleStream(ctx, started(), 'resume'));
  });

  test(
    "'resume': a stream dropped with a frame in flight, the session goes on; that frame is lost, nothing twice",
    { timeout: 30_000 },
    async () => {
      const cell = await dropCells.cutCarryingStream(ctx, started(), 'resume');
      assert.equal(
        cell.survived,
        true,
        `client ${JSON.stringify(cell.clientClose)}, server ${JSON.stringify(cell.serverClose)}`,
      );
      assert.equal(cell.serverSessions, 1);
      assert.ok(cell.echoes?.exactlyOnceInOrder, cell.echoes && describeCheck(cell.echoes));
      assert.ok(cell.received?.exactlyOnceInOrder, cell.received && describeCheck(cell.received));
      assert.ok(cell.afterCut?.exactlyOnceInOrder, cell.afterCut && describeCheck(cell.afterCut));
      // At most once, in order: what the swallowed frame held is lost (and what the server wrote to
      // the dead response before it saw the drop), nothing else.
      const { pushes, inFlight = [], lost = [] } = cell;
      assert.ok(pushes);
      assert.equal(pushes.duplicates.length, 0);
      assert.equal(pushes.outOfOrder, 0);
      assert.ok(inFlight.length >= 1);
      for (const n of inFlight) assert.ok(lost.includes(n), `p${n} was in flight`);
      const first = Math.min(...inFlight);
      assert.ok(
        lost.every((n) => n >= first && n < first + 20),
        `lost ${lost.join(', ')}`,
      );
    },
  );

  test(
    "limit: a drop just after the server ended the response is unseen — with 'interrupt' too, that frame is lost",
    { timeout: 30_000 },
    async () => {
      const cell = await dropCells.cutEndedStream(ctx, started(), 'interrupt');
      // No dropped response for the server to judge: the session goes on...
      assert.equal(
        cell.survived,
        true,
        `client ${JSON.stringify(cell.clientClose)}, server ${JSON.stringify(cell.serverClose)}`,
      );
      assert.equal(cell.serverSessions, 1);
      for (const check of [cell.echoes, cell.pushes, cell.received])
        assert.ok(check?.exactlyOnceInOrder, check && describeCheck(check));
      // ...without the frame the proxy took down with it (SockJS has no acknowledgements).
      assert.equal(cell.echoLostSilently, true);
    },
  );

  test(
    'a waiting xhr-polling request dropped: sockjs-client gives up (1006), whatever the server allows',
    { timeout: 30_000 },
    async () => {
      const cell = await dropCells.cutWaitingPoll(ctx, started(), 'resume-if-idle');
      // No status line at all: sockjs-client treats it as a permanent failure.
      assert.equal(cell.clientClose?.code, 1006);
      // The server kept the session for disconnectDelay; nobody came back.
      assert.deepEqual(cell.serverClose, { code: 1006, reason: 'Connection lost' });
    },
  );
});
