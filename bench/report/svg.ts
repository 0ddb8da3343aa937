/**
 * A horizontal bar chart of the ratios (ours / sockjs-node, ours / bare-ws) per cell, as
 * hand-written SVG: one group of bars per row, a line at 1.0 (parity), numbers on the bars.
 */
import { PRIMARY, type RatioRow, type Results, type StompRow } from '../results';
import { ratioLimit, stompLimit } from '../targets';

const COLORS = { sockjs: '#3b6fb6', bare: '#e08a2c', raw: '#4c9a52', rabbitmq: '#8e5ba8' };
/** Room for the longest row label (11 px Helvetica averages under 6 px a character). */
const CHAR_WIDTH = 5.9;
const PLOT_WIDTH = 420;
const BAR = 11;
const GAP = 8;
const TOP = 64;
/** Bars longer than this are cut (and marked), so one outlier does not squash the rest. */
const MAX_RATIO = 3;

function rowLabel(row: RatioRow): string {
  return row.scenario === 'capacity' ? `capacity · ${row.label}` : `${row.scenario} · ${row.transport} · ${row.label}`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Bar {
  value: number;
  color: string;
  name: string;
  limit: number | undefined;
}

/** One row of the chart: a label and its bars. */
interface ChartRow {
  label: string;
  what: string;
  bars: Bar[];
}

function stompBars(row: StompRow): Bar[] {
  const list: Bar[] = [];
  if (row.vsRaw !== undefined && Number.isFinite(row.vsRaw)) {
    list.push({ value: row.vsRaw, color: COLORS.raw, name: 'our raw endpoint', limit: stompLimit(row, 'vsRaw') });
  }
  if (row.vsRabbitmq !== undefined && Number.isFinite(row.vsRabbitmq)) {
    list.push({
      value: row.vsRabbitmq,
      color: COLORS.rabbitmq,
      name: 'RabbitMQ Web-STOMP',
      limit: stompLimit(row, 'vsRabbitmq'),
    });
  }
  return list;
}

function chartRows(results: Results): ChartRow[] {
  const rows: ChartRow[] = results.ratios.map((r) => ({
    label: rowLabel(r),
    what: PRIMARY[r.scenario].what,
    bars: bars(r),
  }));
  for (const r of results.stomp ?? []) {
    rows.push({
      label: `${r.scenario} · ${r.transport} · ${r.label}`,
      what: PRIMARY[r.scenario].what,
      bars: stompBars(r),
    });
  }
  return rows.filter((r) => r.bars.length > 0);
}

function bars(row: RatioRow): Bar[] {
  const list: Bar[] = [];
  if (row.vsSockjsNode !== undefined && Number.isFinite(row.vsSockjsNode)) {
    list.push({
      value: row.vsSockjsNode,
      color: COLORS.sockjs,
      name: 'sockjs-node',
      limit: ratioLimit(row, 'vsSockjsNode'),
    });
  }
  if (row.vsBareWs !== undefined && Number.isFinite(row.vsBareWs)) {
    list.push({ value: row.vsBareWs, color: COLORS.bare, name: 'bare-ws', limit: ratioLimit(row, 'vsBareWs') });
  }
  return list;
}

/** The STOMP bars' legend, left of the others (the chart's top margin has room for one line). */
function stompLegend(x: number): string[] {
  return [
    `<rect x="${x - 270}" y="44" width="10" height="10" fill="${COLORS.raw}"/><text x="${x - 256}" y="53">STOMP / raw endpoint</text>`,
    `<rect x="${x - 125}" y="44" width="10" height="10" fill="${COLORS.rabbitmq}"/><text x="${x - 111}" y="53">STOMP / RabbitMQ</text>`,
  ];
}

export function renderSvg(results: Results): string {
  const rows = chartRows(results);
  const LABEL_WIDTH = Math.ceil(Math.max(260, ...rows.map((r) => r.label.length * CHAR_WIDTH)) + 16);
  const max = Math.min(MAX_RATIO, Math.max(1.5, ...rows.flatMap((r) => r.bars.map((b) => b.value))));
  const scale = (v: number): number => (Math.min(v, max) / max) * PLOT_WIDTH;
  const parts: string[] = [];
  let y = TOP;
  for (const row of rows) {
    const group = row.bars;
    const height = group.length * BAR + (group.length - 1) * 2;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + height / 2 + 4}" text-anchor="end">${escape(row.label)}<title>${escape(row.what)}</title></text>`,
    );
    group.forEach((bar, i) => {
      const by = y + i * (BAR + 2);
      const w = Math.max(1, scale(bar.value));
      const cut = bar.value > max;
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${by}" width="${w.toFixed(1)}" height="${BAR}" fill="${bar.color}"><title>ours / ${bar.name}: ${bar.value.toFixed(3)}</title></rect>`,
        `<text x="${LABEL_WIDTH + w + 4}" y="${by + BAR - 2}" class="v">${cut ? '› ' : ''}${bar.value.toFixed(2)}</text>`,
      );
      if (bar.limit !== undefined) {
        const tx = LABEL_WIDTH + scale(bar.limit);
        parts.push(
          `<line x1="${tx}" y1="${by - 1}" x2="${tx}" y2="${by + BAR + 1}" stroke="#c0392b" stroke-width="2"><title>target ≤ ${bar.limit}</title></line>`,
        );
      }
    });
    y += height + GAP;
  }
  const bottom = y + 4;
  const width = LABEL_WIDTH + PLOT_WIDTH + 60;
  const height = bottom + 40;
  const ticks: string[] = [];
  for (let t = 0; t <= max + 1e-9; t += 0.5) {
    const x = LABEL_WIDTH + scale(t);
    ticks.push(
      `<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${bottom}" stroke="${t === 1 ? '#222' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"${t === 1 ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${x}" y="${bottom + 14}" text-anchor="middle" class="v">${t.toFixed(1)}×</text>`,
    );
  }
  const title = `sockjs-ts-server: server CPU / memory relative to sockjs-node 0.3.24 and a bare ws server (lower is better)`;
  const subtitle = `${results.date.slice(0, 10)} · ${results.machine.cores} cores, ${results.machine.cpuModel}, node ${results.machine.node} · medians of ${results.profile} run`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<style>.v{font-size:10px;fill:#444;stroke:#fff;stroke-width:3px;paint-order:stroke}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<text x="12" y="36" class="v">${escape(subtitle)}</text>`,
    `<rect x="${LABEL_WIDTH}" y="44" width="10" height="10" fill="${COLORS.sockjs}"/><text x="${LABEL_WIDTH + 14}" y="53">ours / sockjs-node</text>`,
    `<rect x="${LABEL_WIDTH + 130}" y="44" width="10" height="10" fill="${COLORS.bare}"/><text x="${LABEL_WIDTH + 144}" y="53">ours / bare-ws</text>`,
    `<line x1="${LABEL_WIDTH + 245}" y1="43" x2="${LABEL_WIDTH + 245}" y2="55" stroke="#c0392b" stroke-width="2"/><text x="${LABEL_WIDTH + 251}" y="53">target</text>`,
    ...((results.stomp ?? []).length > 0 ? stompLegend(LABEL_WIDTH) : []),
    ...ticks,
    ...parts,
    `<text x="${LABEL_WIDTH}" y="${bottom + 30}" class="v">echo, broadcast, setup, capacity, stomp-*: server CPU per operation; idle-memory: server RSS per session</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
