/**
 * Mode 3 of the proxy scenarios: nginx cutting connections idle for 2 s. With heartbeats every
 * second, sessions on websocket, xhr-streaming and xhr-polling live through idle phases longer
 * than the cut, xhr-streaming responses are recycled at `responseLimit` 4096, and every numbered
 * message — echoes and server pushes — arrives exactly once, in order. A session whose heartbeat
 * is longer than the cut is cut.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findNginx } from '../../demo/proxy/nginx';
import { idleCutScenario, type IdleCutResult, type IdleSessionResult } from '../../demo/proxy/idle-cut';
import { describeCheck } from '../../demo/proxy/sequence';
import { ChangeBus, Stack } from '../../demo/proxy/wait';

const nginxBin = findNginx();
const skip = nginxBin
  ? false
  : 'nginx not installed at /usr/sbin/nginx (set NGINX=...; CI installs nginx-light): proxy scenarios skipped';

describe('behind nginx cutting idle connections', { skip }, () => {
  const stack = new Stack();
  let result: IdleCutResult | undefined;

  before(
    async () => {
      result = await idleCutScenario({ bus: new ChangeBus(), stack, ...(nginxBin ? { nginxBin } : {}) });
    },
    { timeout: 90_000 },
  );
  after(() => stack.dispose());

  function session(transport: string): IdleSessionResult {
    const found = result?.sessions.find((s) => s.transport === transport);
    assert.ok(found, `no ${transport} session in the result`);
    return found;
  }

  test('the idle phases were longer than the cut', () => {
    assert.ok(result);
    assert.equal(result.idlePhasesMs.length, 3);
    for (const ms of result.idlePhasesMs) assert.ok(ms > result.idleSeconds * 1000, `idle ${ms} ms`);
  });

  for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling']) {
    test(`${transport}: alive throughout, every message exactly once, in order`, () => {
      const s = session(transport);
      assert.equal(s.clientClose, undefined);
      assert.equal(s.serverClose, undefined);
      assert.equal(s.serverSessions, 1);
      assert.ok(s.heartbeats >= 9, `${s.heartbeats} heartbeats`);
      for (const check of [s.echoes, s.pushes, s.received]) {
        assert.equal(check.expected, 200);
        assert.ok(check.exactlyOnceInOrder, describeCheck(check));
      }
    });
  }

  test('xhr-streaming responses were recycled at the response limit', () => {
    // 200 padded messages each way are about 64 KiB of frames: 4 KiB a response.
    assert.ok(
      session('xhr-streaming').receivingRequests >= 10,
      `${session('xhr-streaming').receivingRequests} streams`,
    );
  });

  test('contrast: heartbeats longer than the cut, the session dies at the cut (1002)', () => {
    assert.ok(result);
    const { contrast } = result;
    assert.equal(contrast.serverClose?.code, 1002);
    assert.ok(contrast.closedAfterIdleMs !== undefined);
    assert.ok(
      contrast.closedAfterIdleMs >= result.idleSeconds * 1000 - 250,
      `cut after ${contrast.closedAfterIdleMs} ms`,
    );
    assert.ok(contrast.closedAfterIdleMs < contrast.heartbeatDelay, 'before its first heartbeat');
  });
});
