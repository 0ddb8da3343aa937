/**
 * `npm run demo:proxy resume`: the loss/duplication harness in every hostile mode, each run told
 * in a few lines — what was sent, what arrived, the handler's sessions, the client's drops, the cuts.
 */
import { runHarness, type HarnessResult } from './resume';
import { RESUME_MODES, RESUME_RUNS, startResumeRig, type ResumeMode } from './resume-rig';
import type { ScenarioContext } from './rig';
import { describeCheck } from './sequence';
import { Stack } from './wait';

const MODE_TEXT: Readonly<Record<ResumeMode, string>> = {
  'no-upgrade': 'no-upgrade (cutter in front)',
  buffering: 'buffering (cutter in front)',
  'idle-cut': 'idle-cut (nginx cuts after 1 s idle)',
  drop: 'drop (cutter in front of close-delimited responses)',
};

export function harnessLines(r: HarnessResult): string[] {
  const v = r.clientView;
  const cuts =
    r.cuts.idle > 0
      ? `${r.cuts.idle} idle cut(s) by nginx`
      : `${r.cuts.total} cut(s): ${r.cuts.receiving} receiving with a frame in flight, ${r.cuts.sending} xhr_send response(s)`;
  return [
    `${r.client}, /info ${r.infoOffersResume ? 'offers' : 'does not offer'} resume: ${cuts}, ${r.durationMs} ms`,
    `   client → server ${describeCheck(r.toServer)}; server → client ${describeCheck(r.toClient)}; echoes ${describeCheck(r.echoes)}`,
    `   handler: ${r.abandonedAttempts ? `(${r.abandonedAttempts} of transport(s) given up on, then) ` : ''}${r.serverSessions.opened} session(s) opened, ${r.serverSessions.closedBeforeEnd} closed before the end${r.serverSessions.closes.length ? ` (${[...new Set(r.serverSessions.closes)].join('; ')})` : ''}`,
    `   client: ${v.drops} drop(s), ${v.failedAttempts} failed attempt(s), ${v.reconnects} reconnect(s), ${v.resumes} resumed; transports ${v.transports.join(', ') || 'none'}; ${v.close ? `closed ${v.close}` : 'open'}`,
  ];
}

/**
 * Every mode, every run; `print` gets one line at a time. Each mode's server, nginx and cutter are
 * on a stack of their own, stopped before the next mode starts (and on `ctx.stack` until then, so
 * that an interrupted demo stops them too).
 */
export async function printResumeHarness(ctx: ScenarioContext, print: (line: string) => void): Promise<void> {
  for (const mode of RESUME_MODES) {
    print(`   nginx ${MODE_TEXT[mode]}:`);
    const stack = ctx.stack.use(new Stack(), `resume harness (${mode})`, (s) => s.dispose());
    const modeCtx: ScenarioContext = { ...ctx, stack };
    try {
      const rig = await startResumeRig(modeCtx, mode);
      for (const run of RESUME_RUNS) {
        for (const line of harnessLines(await runHarness(modeCtx, rig, run))) print(`   ${line}`);
      }
    } finally {
      await stack.dispose();
    }
  }
}
