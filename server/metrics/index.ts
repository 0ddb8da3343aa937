/**
 * `sockjs-ts-server/metrics`: the endpoints' `stats()` as Prometheus metrics on a prom-client
 * registry. The only module that imports prom-client (an optional peer dependency): the main entry
 * loads without it. Every metric reads `stats()` when the registry is scraped (`collect()`), so
 * nothing is added to the path of a message.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { checkOptionKeys, SockJsError } from '../../protocol';
import type { SockJsEndpoint } from '../endpoint';
import type { EndpointStats, RefusalReason } from '../stats';

export interface MetricsOptions {
  /** The registry the metrics are registered on (yours, or prom-client's global `register`). */
  registry: Registry;
  /** Put before every metric name. Default `'sockjs_'`. */
  prefix?: string;
  /** Constant labels added to every series (e.g. `{ service: 'chat' }`). Default none. */
  labels?: Readonly<Record<string, string>>;
}

export const METRICS_DEFAULTS = { prefix: 'sockjs_' } as const;

/** Labels the metrics set themselves: constant labels may not reuse them. */
const OWN_LABELS = ['endpoint', 'transport', 'code', 'reason', 'outcome'];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Labels = Record<string, string>;
/** One series: its labels (besides `endpoint` and the constant ones) and its value. */
type Series = [Labels, number];

interface Definition {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labelNames: readonly string[];
  series(stats: EndpointStats): Series[];
}

const REASONS: readonly RefusalReason[] = ['origin', 'interceptor', 'maxSessions', 'closing', 'other'];

const byTransport =
  (value: (t: EndpointStats['transports'][keyof EndpointStats['transports']]) => number) =>
  (stats: EndpointStats): Series[] =>
    Object.entries(stats.transports).map(([transport, t]) => [{ transport }, value(t)]);

const single =
  (value: (stats: EndpointStats) => number) =>
  (stats: EndpointStats): Series[] => [[{}, value(stats)]];

/** The metrics, each named without the prefix. */
const DEFINITIONS: readonly Definition[] = [
  {
    name: 'sessions_open',
    help: 'Sessions open now, by transport',
    type: 'gauge',
    labelNames: ['transport'],
    series: byTransport((t) => t.open),
  },
  {
    name: 'sessions_opened_total',
    help: 'Sessions opened, by transport',
    type: 'counter',
    labelNames: ['transport'],
    series: byTransport((t) => t.opened),
  },
  {
    name: 'sessions_closed_total',
    help: 'Sessions closed after opening, by close code',
    type: 'counter',
    labelNames: ['code'],
    series: (stats) => Object.entries(stats.sessions.closedByCode).map(([code, count]) => [{ code }, count]),
  },
  {
    name: 'messages_received_total',
    help: 'Messages received from clients, by transport',
    type: 'counter',
    labelNames: ['transport'],
    series: byTransport((t) => t.messagesIn),
  },
  {
    name: 'received_bytes_total',
    help: 'UTF-8 bytes of the messages received from clients, by transport',
    type: 'counter',
    labelNames: ['transport'],
    series: byTransport((t) => t.bytesIn),
  },
  {
    name: 'messages_sent_total',
    help: 'Messages queued for clients, by transport',
    type: 'counter',
    labelNames: ['transport'],
    series: byTransport((t) => t.messagesOut),
  },
  {
    name: 'sent_bytes_total',
    help: 'UTF-8 bytes of the messages queued for clients, by transport',
    type: 'counter',
    labelNames: ['transport'],
    series: byTransport((t) => t.bytesOut),
  },
  {
    name: 'refused_total',
    help: 'Requests refused before reaching a session, by reason',
    type: 'counter',
    labelNames: ['reason'],
    series: (stats) => REASONS.map((reason) => [{ reason }, stats.refused[reason]]),
  },
  {
    name: 'queue_overflows_total',
    help: 'Sends past maxQueuedMessages or maxQueuedBytes',
    type: 'counter',
    labelNames: [],
    series: single((stats) => stats.queueOverflows),
  },
  {
    name: 'pong_timeouts_total',
    help: 'Websockets dropped for a ping left unanswered for pongTimeout',
    type: 'counter',
    labelNames: [],
    series: single((stats) => stats.pongTimeouts),
  },
  {
    name: 'dropped_responses_total',
    help: 'Receiving HTTP responses dropped mid-way, by what onDroppedResponse made of it',
    type: 'counter',
    labelNames: ['outcome'],
    series: (stats) => [
      [{ outcome: 'interrupted' }, stats.droppedResponses.interrupted],
      [{ outcome: 'resumed' }, stats.droppedResponses.resumed],
    ],
  },
  {
    name: 'resumes_total',
    help: 'Connections a resumable session took up again after a loss (resume extension)',
    type: 'counter',
    labelNames: [],
    series: single((stats) => stats.resumes),
  },
];

function invalid(why: string): SockJsError {
  return new SockJsError('ERR_INVALID_OPTION', `registerMetrics: ${why}`);
}

function checkOptions(options: MetricsOptions): { registry: Registry; prefix: string; labels: Labels } {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  checkOptionKeys('registerMetrics', options, ['registry', 'prefix', 'labels']);
  const { registry, prefix = METRICS_DEFAULTS.prefix, labels = {} } = options;
  if (typeof registry !== 'object' || registry === null || typeof registry.registerMetric !== 'function') {
    throw invalid('registry must be a prom-client Registry');
  }
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix))) {
    throw invalid(`prefix must be empty or start a Prometheus metric name, got ${String(prefix)}`);
  }
  if (typeof labels !== 'object' || labels === null) throw invalid('labels must be an object of strings');
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__') || OWN_LABELS.includes(name)) {
      throw invalid(`label name ${JSON.stringify(name)} is not valid or is one of ${OWN_LABELS.join(', ')}`);
    }
    if (typeof value !== 'string') throw invalid(`label ${name} must be a string`);
  }
  return { registry, prefix, labels: { ...labels } };
}

/** The `endpoint` label: the prefix, `/` for an endpoint at the root. */
function endpointLabel(endpoint: SockJsEndpoint): string {
  return endpoint.prefix === '' ? '/' : endpoint.prefix;
}

/**
 * Registers the endpoints' metrics on `options.registry`, each series labelled `endpoint` (the
 * prefix) plus the constant `labels`. Call it once per registry and prefix (prom-client refuses a
 * name twice): pass every endpoint at once. Returns a function that removes the metrics again.
 * Throws `ERR_INVALID_OPTION` on bad options or two endpoints with the same prefix.
 */
export function registerMetrics(
  endpoints: SockJsEndpoint | readonly SockJsEndpoint[],
  options: MetricsOptions,
): () => void {
  const { registry, prefix, labels } = checkOptions(options);
  const list: readonly SockJsEndpoint[] = Array.isArray(endpoints) ? endpoints : [endpoints as SockJsEndpoint];
  const names = list.map(endpointLabel);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw invalid(`two endpoints share the prefix ${twice}`);
  const metricNames = DEFINITIONS.map((definition) => prefix + definition.name);
  for (const definition of DEFINITIONS) {
    const labelNames = ['endpoint', ...definition.labelNames, ...Object.keys(labels)];
    // Label order as declared: endpoint, the metric's own, then the constant ones.
    const collected = (): Series[] =>
      list.flatMap((endpoint) => {
        const name = endpointLabel(endpoint);
        return definition
          .series(endpoint.stats())
          .map(([own, value]): Series => [{ endpoint: name, ...own, ...labels }, value]);
      });
    const config = { name: prefix + definition.name, help: definition.help, labelNames, registers: [registry] };
    if (definition.type === 'gauge') {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const [series, value] of collected()) this.set(series, value);
        },
      });
    } else {
      new Counter({
        ...config,
        // A counter has no set(): from zero, up to the count kept by the endpoint.
        collect() {
          this.reset();
          for (const [series, value] of collected()) this.inc(series, value);
        },
      });
    }
  }
  return () => {
    for (const name of metricNames) registry.removeSingleMetric(name);
  };
}
