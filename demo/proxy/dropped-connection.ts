/**
 * Mode 4 of the proxy scenarios: a connection dropped mid-stream, behind a proxy that ends
 * response bodies by closing the connection. The rig is in drop-rig.ts, each cut in drop-cuts.ts.
 */
import { cutCarryingStream, cutEndedStream, cutIdleStream, cutWaitingPoll } from './drop-cuts';
import { startDropRig, type DropCellResult } from './drop-rig';
import type { ScenarioContext } from './rig';

export type { CutKind, DropCellResult, DropPolicy } from './drop-rig';

export interface DropResult {
  cells: DropCellResult[];
  durationMs: number;
}

/**
 * Mode 4: client → TCP cutter → nginx (close-delimited responses) → server. For each
 * `onDroppedResponse` policy, the same two cuts on xhr-streaming (sockjs-client restricted to it:
 * the cut is of a stream): a stream that carried only heartbeats (right after a recycle), and a
 * stream with frames in flight. Then two limits: a drop just after the server ended a response
 * (unseen by any policy), and a waiting xhr-polling request (the client gives up).
 */
export async function droppedConnectionScenario(ctx: ScenarioContext): Promise<DropResult> {
  const started = Date.now();
  const rig = await startDropRig(ctx);
  const cells: DropCellResult[] = [];
  for (const policy of ['interrupt', 'resume-if-idle', 'resume'] as const) {
    cells.push(await cutIdleStream(ctx, rig, policy));
    cells.push(await cutCarryingStream(ctx, rig, policy));
  }
  cells.push(await cutEndedStream(ctx, rig, 'interrupt'));
  cells.push(await cutWaitingPoll(ctx, rig, 'resume-if-idle'));
  return { cells, durationMs: Date.now() - started };
}

/** The cells one at a time, for tests that want one assertion each. */
export const dropCells = { startDropRig, cutIdleStream, cutCarryingStream, cutEndedStream, cutWaitingPoll };
