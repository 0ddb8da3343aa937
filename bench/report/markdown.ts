/** The results as markdown: machine, targets, ratios, then every scenario's medians. */
import { PRIMARY, SCENARIOS, type Cell, type Results, type ScenarioName } from '../results';
import { REFERENCE_FIGURES } from '../targets';

export function fmt(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(digits);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

interface Column {
  title: string;
  metric: string;
  digits?: number;
}

/** The columns every load scenario ends with: server CPU, latency (`unit`: what it is the time to), errors, the rest of the machine. */
function loadColumns(unit: string): Column[] {
  return [
    { title: 'server CPU % core', metric: 'cpuPctCore' },
    { title: `p50 ${unit}`, metric: 'p50Ms' },
    { title: `p99 ${unit}`, metric: 'p99Ms' },
    { title: 'errors', metric: 'errors' },
    { title: 'generator % core', metric: 'generatorCpuPct' },
    { title: 'other % core', metric: 'otherCpuPct' },
  ];
}

const DETAIL: Record<ScenarioName, { title: string; columns: Column[] }> = {
  echo: {
    title: 'Echo (window 10 per session)',
    columns: [
      { title: 'msg/s', metric: 'opsPerSec' },
      { title: 'server CPU µs/msg', metric: 'cpuUsPerOp' },
      { title: 'msgs/frame', metric: 'msgsPerFrame' },
      ...loadColumns('ms'),
    ],
  },
  broadcast: {
    title: 'Broadcast fan-out',
    columns: [
      { title: 'deliveries/s', metric: 'opsPerSec' },
      { title: 'server CPU µs/delivery', metric: 'cpuUsPerOp' },
      { title: 'msgs/frame', metric: 'msgsPerFrame' },
      ...loadColumns('ms'),
    ],
  },
  'idle-memory': {
    title: 'Idle memory (server, after GC)',
    columns: [
      { title: 'RSS KiB/session', metric: 'rssKiBPerSession' },
      { title: 'RSS KiB/session once idle', metric: 'idleRssKiBPerSession' },
      { title: 'heap KiB/session', metric: 'heapKiBPerSession' },
      { title: 'external KiB/session', metric: 'externalKiBPerSession' },
      { title: 'RSS MiB', metric: 'rssMiB' },
      { title: 'open (client)', metric: 'open' },
      { title: 'sessions (server)', metric: 'serverSessions' },
      { title: 'idle CPU % core per 10k sessions', metric: 'idleCpuPctPer10k' },
      { title: 'errors', metric: 'errors' },
    ],
  },
  setup: {
    title: 'Session setup (open until `o`, then close)',
    columns: [
      { title: 'sessions/s', metric: 'opsPerSec' },
      { title: 'server CPU µs/session', metric: 'cpuUsPerOp' },
      ...loadColumns('ms to `o`'),
    ],
  },
  capacity: {
    title: 'Capacity (idle sessions with heartbeats)',
    columns: [
      { title: 'held', metric: 'held' },
      { title: 'dropped', metric: 'dropped' },
      { title: 'CPU % core (measured)', metric: 'cpuPctCore' },
      { title: 'CPU % core at 25 s', metric: 'cpuPctCoreAt25s' },
      { title: 'at 25 s, full count', metric: 'cpuPctCoreAt25sScaled' },
      { title: 'µs/heartbeat', metric: 'cpuUsPerOp' },
      { title: 'heartbeats/session/s', metric: 'heartbeatsPerSessionPerSec' },
      { title: 'heartbeats/session in window', metric: 'heartbeatsPerSessionInWindow' },
      { title: 'ws `h`/session/s', metric: 'wsHFramesPerSessionPerSec' },
      { title: 'ws pings/session/s', metric: 'wsPingsPerSessionPerSec' },
      { title: 'RSS MiB', metric: 'rssMiB' },
      { title: 'RSS KiB/session', metric: 'rssKiBPerSession' },
      { title: 'other % core', metric: 'otherCpuPct' },
    ],
  },
  'stomp-fanout': {
    title: 'STOMP fan-out through the broker (RabbitMQ rows: Web-STOMP on the same load)',
    columns: [
      { title: 'deliveries/s', metric: 'opsPerSec' },
      { title: 'server CPU µs/delivery', metric: 'cpuUsPerOp' },
      { title: 'raw endpoint µs/delivery', metric: 'rawCpuUsPerOp' },
      { title: '× raw', metric: 'vsRaw' },
      { title: 'STOMP frames/transport msg', metric: 'msgsPerFrame' },
      { title: 'raw msgs/frame', metric: 'rawMsgsPerFrame' },
      ...loadColumns('ms'),
    ],
  },
  'cluster-fanout': {
    title: 'Cross-node fan-out (broadcast over N nodes on one Redis; CPU of every node and Redis together)',
    columns: [
      { title: 'deliveries/s', metric: 'opsPerSec' },
      { title: 'CPU µs/delivery (all)', metric: 'cpuUsPerOp' },
      { title: '1 node µs/delivery', metric: 'singleCpuUsPerOp' },
      { title: '× 1 node', metric: 'vsSingle' },
      { title: 'nodes µs/delivery', metric: 'nodesCpuUsPerOp' },
      { title: 'publisher node µs/delivery', metric: 'publisherCpuUsPerOp' },
      { title: 'receiving node µs/bus message', metric: 'receiverCpuUsPerMessage' },
      { title: 'Redis µs/delivery', metric: 'redisCpuUsPerOp' },
      { title: 'Redis CPU µs/publish', metric: 'redisCpuUsPerPublish' },
      { title: 'Redis idle % core', metric: 'redisIdlePctCore' },
      { title: 'Redis CPU µs/publish less idle', metric: 'redisNetCpuUsPerPublish' },
      { title: 'Redis in-command µs/publish', metric: 'redisCallUsPerPublish' },
      { title: 'Redis % core', metric: 'redisCpuPctCore' },
      { title: 'deliveries/publish', metric: 'deliveriesPerPublish' },
      { title: 'bus bytes in/publish', metric: 'busInBytesPerPublish' },
      { title: 'bus bytes out/publish/node', metric: 'busOutBytesPerPublishPerNode' },
      { title: 'dropped', metric: 'busDropped' },
      { title: 'gaps', metric: 'busGaps' },
      { title: 'msgs/frame', metric: 'msgsPerFrame' },
      ...loadColumns('ms'),
    ],
  },
  'stomp-echo': {
    title: 'STOMP /app round trips (SEND /app/echo, reply on /user/queue/echo)',
    columns: [
      { title: 'round trips/s', metric: 'opsPerSec' },
      { title: 'server CPU µs/round trip', metric: 'cpuUsPerOp' },
      { title: 'raw /echo µs/msg', metric: 'rawCpuUsPerOp' },
      { title: '× raw', metric: 'vsRaw' },
      ...loadColumns('ms'),
    ],
  },
};

/** The leading columns of a comparison table (ratios, STOMP): which cell, and its primary metric. */
const COMPARED = ['scenario', 'transport', 'cell', 'metric'];

function compared(row: Pick<Cell, 'scenario' | 'transport' | 'label'>): string[] {
  return [row.scenario, row.transport, row.label, `${PRIMARY[row.scenario].what} (${PRIMARY[row.scenario].unit})`];
}

function stompSection(results: Results): string {
  const rows = results.stomp ?? [];
  if (rows.length === 0) return '';
  const intro =
    'Our STOMP server beside our raw endpoint in the same server child, with the same shape (fan-out: as many ' +
    'SockJS sessions on `/broadcast` and the same bursts; echo: `/echo` over SockJS websocket), and beside ' +
    'RabbitMQ Web-STOMP on the same websocket fan-out (its beam.smp CPU from /proc). A ratio is the median of ' +
    'the per-repetition ratios.\n';
  return (
    '## STOMP\n\n' +
    intro +
    '\n' +
    table(
      [...COMPARED, 'ours (STOMP)', 'raw endpoint', 'ours / raw', 'RabbitMQ', 'ours / RabbitMQ'],
      rows.map((r) => [...compared(r), fmt(r.ours), fmt(r.raw), fmt(r.vsRaw), fmt(r.rabbitmq), fmt(r.vsRabbitmq)]),
    ) +
    '\n'
  );
}

function detail(scenario: ScenarioName, cells: readonly Cell[]): string {
  const spec = DETAIL[scenario];
  const rows = cells
    .filter((c) => c.scenario === scenario)
    .map((c) => [c.transport, c.label, c.server, ...spec.columns.map((col) => fmt(c.median[col.metric], col.digits))]);
  if (rows.length === 0) return '';
  return `### ${spec.title}\n\n${table(['transport', 'cell', 'server', ...spec.columns.map((c) => c.title)], rows)}\n`;
}

export function renderMarkdown(results: Results): string {
  const { machine } = results;
  const out: string[] = [];
  out.push('# Benchmark: sockjs-ts-server vs sockjs-node 0.3.24 vs bare ws\n');
  out.push(
    table(
      ['date', 'profile', 'runtime', 'machine'],
      [
        [
          results.date,
          results.profile,
          `${results.runtimeSeconds.toFixed(0)} s`,
          `${machine.cores} cores, ${machine.cpuModel}, node ${machine.node}, ${machine.platform}, ${machine.memoryGiB.toFixed(0)} GiB, fd limit ${machine.fdLimit}`,
        ],
      ],
    ) + '\n',
  );
  out.push(
    "Servers and load generator share the machine, so every figure that compares servers is the **server process's own CPU time per operation** " +
      '(process.cpuUsage() in the server child over the measured window). Medians of the repetitions; errors are summed. ' +
      'Ratios below 1 mean our server spends less.\n',
  );
  if (results.notes.length > 0) out.push(results.notes.map((n) => `- ${n}`).join('\n') + '\n');

  const met = results.targets.filter((t) => t.met).length;
  out.push(`## Targets: ${met} of ${results.targets.length} met\n`);
  out.push(
    table(
      ['target', 'measured', 'limit', ''],
      results.targets.map((t) => [
        t.name,
        `${fmt(t.measured)} ${t.unit}`,
        `${t.limit} ${t.unit}`,
        t.met ? 'met' : '**missed**',
      ]),
    ) + '\n',
  );

  out.push("## Ratios (ours / reference, on each scenario's primary metric)\n");
  out.push(
    'The servers were measured in turns, repetition by repetition; a ratio is the median of the per-repetition ratios ' +
      '(so it can differ slightly from the ratio of the two medians shown).\n',
  );
  out.push(
    table(
      [...COMPARED, 'ours', 'sockjs-node', 'bare-ws', 'ours / sockjs-node', 'ours / bare-ws'],
      results.ratios.map((r) => [
        ...compared(r),
        fmt(r.ours),
        fmt(r.sockjsNode),
        fmt(r.bareWs),
        fmt(r.vsSockjsNode),
        fmt(r.vsBareWs),
      ]),
    ) + '\n',
  );

  const stomp = stompSection(results);
  if (stomp) out.push(stomp);

  out.push('## Details\n');
  for (const scenario of SCENARIOS) {
    const text = detail(scenario, results.cells);
    if (text) out.push(text);
  }

  const figures = REFERENCE_FIGURES.flatMap((f) => {
    const cell = results.cells.find(f.find);
    return cell ? [[f.what, `${f.issue} ${f.unit}`, `${fmt(cell.median[f.metric])} ${f.unit}`, cell.label]] : [];
  });
  if (figures.length > 0) {
    out.push("## The issue's reference figures vs this run\n");
    out.push(table(['figure', 'issue', 'this run', 'cell'], figures) + '\n');
  }
  return out.join('\n');
}
