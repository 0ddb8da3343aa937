/**
 * The loss/duplication harness (demo/proxy/resume.ts) through nginx in each hostile mode: 3000
 * numbered messages each way while connections are cut at least 4 times. Our client with the
 * resume extension must come through with nothing lost, duplicated or reordered on one server
 * session; sockjs-client, which cannot resume, loses its session at the cuts; our client without
 * resume shows the harness's cuts do cost sessions (the contrast that makes the first assertion mean
 * something).
 *
 * The resume tests fail until the extension lands (demo/proxy/resume-options.ts says what to switch on).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findNginx } from '../../demo/proxy/nginx';
import { runHarness, type HarnessOptions, type HarnessResult } from '../../demo/proxy/resume';
import { RESUME_MODES, startResumeRig, type ResumeRig } from '../../demo/proxy/resume-rig';
import type { ScenarioContext } from '../../demo/proxy/rig';
import { describeCheck, type SequenceCheck } from '../../demo/proxy/sequence';
import { ChangeBus, Stack } from '../../demo/proxy/wait';
import { NodeEventSource } from '../support/own-client';

const nginxBin = findNginx();
const skip = nginxBin
  ? false
  : 'nginx not installed at /usr/sbin/nginx (set NGINX=...; CI installs nginx-light): proxy scenarios skipped';

const MESSAGES = 3000;
const CUTS = 4;
const OPTIONS: HarnessOptions = { messages: MESSAGES, cuts: CUTS, EventSource: NodeEventSource };

/** One line of numbers for a failure message. */
function summary(r: HarnessResult): string {
  return JSON.stringify({
    sent: r.sent,
    toServer: describeCheck(r.toServer),
    toClient: describeCheck(r.toClient),
    echoes: describeCheck(r.echoes),
    serverSessions: r.serverSessions,
    client: r.clientView,
    cuts: r.cuts,
    offersResume: r.infoOffersResume,
  });
}

function assertExactlyOnce(check: SequenceCheck, r: HarnessResult): void {
  assert.equal(check.expected, MESSAGES, `${check.tag}: all ${MESSAGES} sent — ${summary(r)}`);
  assert.deepEqual(check.missing, [], `${check.tag}: nothing lost — ${summary(r)}`);
  assert.deepEqual(check.duplicates, [], `${check.tag}: nothing twice — ${summary(r)}`);
  assert.equal(check.outOfOrder, 0, `${check.tag}: in order — ${summary(r)}`);
  assert.ok(check.exactlyOnceInOrder, `${describeCheck(check)} — ${summary(r)}`);
}

/** sockjs-client at a cut: its session ends (client closed, or the server closed it under a client that never noticed). */
function lostItsSession(r: HarnessResult): boolean {
  return r.clientView.close !== undefined || r.serverSessions.closedBeforeEnd > 0;
}

for (const mode of RESUME_MODES) {
  describe(`loss/duplication harness behind nginx: ${mode}`, { skip }, () => {
    const stack = new Stack();
    const ctx: ScenarioContext = { bus: new ChangeBus(), stack, ...(nginxBin ? { nginxBin } : {}) };
    let rig: ResumeRig | undefined;

    before(async () => {
      rig = await startResumeRig(ctx, mode);
    });
    after(() => stack.dispose());

    function started(): ResumeRig {
      assert.ok(rig, 'server, nginx (and cutter) started');
      return rig;
    }

    test(
      'our client with resume: nothing lost, twice or out of order either way, one server session throughout',
      { timeout: 60_000 },
      async () => {
        const r = await runHarness(ctx, started(), 'own-resume', OPTIONS);
        ctx.log?.(summary(r));
        assert.ok(r.cuts.total >= CUTS, `at least ${CUTS} cuts — ${summary(r)}`);
        assertExactlyOnce(r.toServer, r);
        assertExactlyOnce(r.toClient, r);
        assertExactlyOnce(r.echoes, r);
        assert.equal(r.serverSessions.opened, 1, `one server session — ${summary(r)}`);
        assert.equal(r.serverSessions.closedBeforeEnd, 0, `none closed before the end — ${summary(r)}`);
        assert.equal(r.clientView.close, undefined, `client never closed — ${summary(r)}`);
        assert.equal(r.clientView.resumes, r.clientView.reconnects, `every reconnect a resume — ${summary(r)}`);
        assert.ok(r.infoOffersResume, `/info offers resume — ${summary(r)}`);
      },
    );

    test(
      'harness contrast, our client without resume: the cuts cost it sessions (a new one after each)',
      { timeout: 60_000 },
      async () => {
        const r = await runHarness(ctx, started(), 'own-no-resume', OPTIONS);
        // Not every planned cut need land here: each new session takes its opening round trips, and
        // the last cut may find no traffic left to cut. Two show what a cut costs.
        assert.ok(r.cuts.total >= 2, `at least 2 cuts — ${summary(r)}`);
        assert.ok(r.clientView.drops >= 1, summary(r));
        assert.ok(r.serverSessions.opened >= 2, `a new server session after a cut — ${summary(r)}`);
        assert.equal(r.clientView.resumes, 0, summary(r));
        // Whatever was lost, nothing came twice or out of order (at-most-once).
        for (const check of [r.toServer, r.toClient]) {
          assert.deepEqual(check.duplicates, [], summary(r));
          assert.equal(check.outOfOrder, 0, summary(r));
        }
      },
    );

    if (mode === 'idle-cut' || mode === 'drop') {
      test('sockjs-client (no resume): it loses its session at the cut', { timeout: 60_000 }, async () => {
        const r = await runHarness(ctx, started(), 'sockjs-client', OPTIONS);
        assert.ok(r.cuts.total >= 1, `cut at least once — ${summary(r)}`);
        assert.ok(lostItsSession(r), `session lost — ${summary(r)}`);
        assert.ok(
          r.toClient.missing.length > 0 || r.sent.toServer < MESSAGES || r.toServer.missing.length > 0,
          `messages lost or never sent — ${summary(r)}`,
        );
      });
    }
  });
}
