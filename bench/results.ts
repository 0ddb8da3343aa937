/** The shape of the results: cells (scenario × transport × parameters × server), repetitions, medians, ratios. */
import type { Transport } from './load/session';

export type ServerKind = 'ours' | 'sockjs-node' | 'bare-ws';
export const SERVERS: readonly ServerKind[] = ['ours', 'sockjs-node', 'bare-ws'];

/** A server measured from outside (not a node child of ours): RabbitMQ for the STOMP scenarios. */
export type PeerKind = 'rabbitmq';
export type CellServer = ServerKind | PeerKind;

export type ScenarioName =
  'echo' | 'broadcast' | 'idle-memory' | 'setup' | 'capacity' | 'stomp-fanout' | 'stomp-echo' | 'cluster-fanout';
export const SCENARIOS: readonly ScenarioName[] = [
  'echo',
  'broadcast',
  'idle-memory',
  'setup',
  'capacity',
  'stomp-fanout',
  'stomp-echo',
  'cluster-fanout',
];
/** Scenarios whose comparisons are their own (STOMP vs our raw endpoint and RabbitMQ), not sockjs-node / bare ws. */
export const STOMP_SCENARIOS: readonly ScenarioName[] = ['stomp-fanout', 'stomp-echo'];
/** Scenarios compared with something of their own, left out of the ratios to sockjs-node and bare ws. */
const OWN_COMPARISONS: readonly ScenarioName[] = [...STOMP_SCENARIOS, 'cluster-fanout'];

export type Metrics = Record<string, number>;

/** The metric the ratios compare, per scenario (lower is better for all). */
export const PRIMARY: Record<ScenarioName, { metric: string; unit: string; what: string }> = {
  echo: { metric: 'cpuUsPerOp', unit: 'µs', what: 'server CPU per message' },
  broadcast: { metric: 'cpuUsPerOp', unit: 'µs', what: 'server CPU per delivery' },
  'idle-memory': { metric: 'rssKiBPerSession', unit: 'KiB', what: 'server RSS per idle session' },
  setup: { metric: 'cpuUsPerOp', unit: 'µs', what: 'server CPU per session set up and torn down' },
  capacity: { metric: 'cpuUsPerOp', unit: 'µs', what: 'server CPU per heartbeat delivered' },
  'stomp-fanout': { metric: 'cpuUsPerOp', unit: 'µs', what: 'server CPU per STOMP MESSAGE delivered' },
  'stomp-echo': { metric: 'cpuUsPerOp', unit: 'µs', what: 'server CPU per /app round trip' },
  'cluster-fanout': { metric: 'cpuUsPerOp', unit: 'µs', what: 'CPU of every node and Redis per delivery' },
};

export interface Cell {
  scenario: ScenarioName;
  transport: Transport;
  /** e.g. "50 × 1 KiB". */
  label: string;
  server: CellServer;
  reps: Metrics[];
  median: Metrics;
}

export interface RatioRow {
  scenario: ScenarioName;
  transport: Transport;
  label: string;
  metric: string;
  ours: number;
  sockjsNode: number | undefined;
  bareWs: number | undefined;
  vsSockjsNode: number | undefined;
  vsBareWs: number | undefined;
}

/** A STOMP cell of ours beside our raw endpoint (same child, same shape) and RabbitMQ (same cell). */
export interface StompRow {
  scenario: ScenarioName;
  transport: Transport;
  label: string;
  /** Our STOMP server CPU µs per operation (delivery, round trip). */
  ours: number;
  /** Our raw endpoint's figure, same shape, same child. */
  raw: number | undefined;
  /** Median of the per-repetition ours / raw. */
  vsRaw: number | undefined;
  rabbitmq: number | undefined;
  vsRabbitmq: number | undefined;
}

export interface TargetResult {
  name: string;
  measured: number;
  limit: number;
  /** "× sockjs-node", "× bare-ws", "KiB/session", "% of one core". */
  unit: string;
  met: boolean;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  memoryGiB: number;
  fdLimit: number;
}

export interface Results {
  date: string;
  profile: string;
  runtimeSeconds: number;
  machine: Machine;
  notes: string[];
  cells: Cell[];
  ratios: RatioRow[];
  /** Absent in results written before the STOMP scenarios. */
  stomp?: StompRow[];
  targets: TargetResult[];
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1
    ? (finite[mid] as number)
    : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
}

/** Collects the repetitions of every cell, in the order cells first appear. */
export class CellSet {
  private readonly cells = new Map<string, Cell>();

  add(scenario: ScenarioName, transport: Transport, label: string, server: CellServer, metrics: Metrics): void {
    const key = `${scenario}|${transport}|${label}|${server}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { scenario, transport, label, server, reps: [], median: {} };
      this.cells.set(key, cell);
    }
    cell.reps.push(metrics);
  }

  /** Median of each metric over the repetitions (errors are summed instead). */
  finish(): Cell[] {
    const cells = [...this.cells.values()];
    for (const cell of cells) {
      const names = new Set(cell.reps.flatMap((rep) => Object.keys(rep)));
      for (const name of names) {
        const values = cell.reps.map((rep) => rep[name] ?? Number.NaN);
        cell.median[name] =
          name === 'errors' ? values.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) : median(values);
      }
    }
    return cells;
  }
}

/**
 * ours / reference. Repetitions of the two were measured in the same round (seconds apart), so the
 * median of the per-round ratios cancels slow changes in the machine's background load better than
 * the ratio of the medians; the latter is the fallback when the rounds do not pair up.
 */
export function pairedRatio(ours: Cell, reference: Cell | undefined, metric: string): number | undefined {
  if (!reference) return undefined;
  if (ours.reps.length !== reference.reps.length || ours.reps.length === 0) {
    return (ours.median[metric] ?? Number.NaN) / (reference.median[metric] ?? Number.NaN);
  }
  return median(ours.reps.map((rep, i) => (rep[metric] ?? Number.NaN) / (reference.reps[i]?.[metric] ?? Number.NaN)));
}

export function ratioRows(cells: readonly Cell[]): RatioRow[] {
  const rows: RatioRow[] = [];
  const find = (like: Cell, server: ServerKind): Cell | undefined =>
    cells.find(
      (c) =>
        c.scenario === like.scenario && c.transport === like.transport && c.label === like.label && c.server === server,
    );
  for (const cell of cells) {
    if (cell.server !== 'ours' || OWN_COMPARISONS.includes(cell.scenario)) continue;
    const metric = PRIMARY[cell.scenario].metric;
    const ours = cell.median[metric] ?? Number.NaN;
    const sockjsCell = find(cell, 'sockjs-node');
    // Capacity: bare ws holds only the websocket part of the mix, so a ratio would mislead.
    const bareCell = cell.scenario === 'capacity' ? undefined : find(cell, 'bare-ws');
    rows.push({
      scenario: cell.scenario,
      transport: cell.transport,
      label: cell.label,
      metric,
      ours,
      sockjsNode: sockjsCell?.median[metric],
      bareWs: bareCell?.median[metric],
      vsSockjsNode: pairedRatio(cell, sockjsCell, metric),
      vsBareWs: pairedRatio(cell, bareCell, metric),
    });
  }
  return rows;
}

export function stompRows(cells: readonly Cell[]): StompRow[] {
  return cells
    .filter((cell) => cell.server === 'ours' && STOMP_SCENARIOS.includes(cell.scenario))
    .map((cell) => {
      const rabbit = cells.find(
        (c) =>
          c.server === 'rabbitmq' &&
          c.scenario === cell.scenario &&
          c.transport === cell.transport &&
          c.label === cell.label,
      );
      return {
        scenario: cell.scenario,
        transport: cell.transport,
        label: cell.label,
        ours: cell.median.cpuUsPerOp ?? Number.NaN,
        raw: cell.median.rawCpuUsPerOp,
        vsRaw: cell.median.vsRaw,
        rabbitmq: rabbit?.median.cpuUsPerOp,
        vsRabbitmq: pairedRatio(cell, rabbit, 'cpuUsPerOp'),
      };
    });
}
