/**
 * `npm run bench`: our server, sockjs-node 0.3.24 and a bare ws server, one after another, each in
 * its own child process on 127.0.0.1, driven by a load generator process that speaks SockJS
 * itself. Writes bench/results/latest.{json,md} and docs/bench-ratios.svg (full runs; --quick and
 * --only write to .build-bench/results/ instead).
 *
 *   node .build-bench/bench/run.js [--quick] [--only echo,setup] [--servers ours,sockjs-node]
 *     [--transports websocket] [--cpu-prof] [--check] [--no-rabbitmq]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Child, killChildrenOnExit } from './children';
import type { Transport } from './load/session';
import { backgroundLoad, type Context } from './harness';
import { FULL, QUICK } from './profile';
import { renderMarkdown } from './report/markdown';
import { describeMachine } from './report/machine';
import { renderSvg } from './report/svg';
import {
  CellSet,
  median,
  ratioRows,
  SCENARIOS,
  SERVERS,
  stompRows,
  type Results,
  type ScenarioName,
  type ServerKind,
} from './results';
import { runBroadcast } from './scenarios/broadcast';
import { runCapacity } from './scenarios/capacity';
import { runClusterFanout } from './scenarios/cluster-fanout';
import { runEcho } from './scenarios/echo';
import { runIdleMemory } from './scenarios/idle-memory';
import { runSetup } from './scenarios/setup';
import { runStompEcho } from './scenarios/stomp-echo';
import { runStompFanout } from './scenarios/stomp-fanout';
import { evaluateTargets } from './targets';

const TRANSPORTS: readonly Transport[] = ['websocket', 'xhr-streaming', 'xhr-polling'];

const RUNNERS: Record<ScenarioName, (ctx: Context) => Promise<void>> = {
  echo: runEcho,
  broadcast: runBroadcast,
  'idle-memory': runIdleMemory,
  setup: runSetup,
  capacity: runCapacity,
  'stomp-fanout': runStompFanout,
  'stomp-echo': runStompEcho,
  'cluster-fanout': runClusterFanout,
};

/** The whole run is killed past this, whatever is going on. */
const HARD_DEADLINE_MS = 25 * 60_000;
const ROOT = resolve(__dirname, '..', '..');

interface Cli {
  quick: boolean;
  only: ScenarioName[];
  servers: ServerKind[];
  transports: Transport[];
  cpuProf: boolean;
  check: boolean;
  /** Seconds to wait, at most, for other work on the machine to calm down before starting. */
  waitQuiet: number;
  /** Run RabbitMQ as the STOMP peer when installed. */
  rabbitmq: boolean;
}

const USAGE = `usage: npm run bench -- [--quick] [--only <scenario>[,...]] [--servers <server>[,...]] [--transports <transport>[,...]] [--cpu-prof] [--check] [--no-rabbitmq]
  --quick      ~1-minute smoke run (1 repetition, short windows, fewer sessions)
  --only       scenarios: ${SCENARIOS.join(', ')}
  --servers    servers: ${SERVERS.join(', ')} (default all)
  --transports transports: ${TRANSPORTS.join(', ')} (default all; capacity always holds both)
  --cpu-prof   write a CPU profile of every server child to .build-bench/profiles/
  --no-rabbitmq  leave RabbitMQ Web-STOMP out of stomp-fanout (it runs when installed)
  --check      exit 1 when a target is missed
  --wait-quiet <s>  first wait up to s seconds for the machine's other work to drop under 30 % of a core
  --render     only write latest.md and the chart again from bench/results/latest.json`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T[] {
  const items = (value ?? '').split(',').filter((v) => v !== '');
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`${flag}: unknown "${item}" (one of ${allowed.join(', ')})`);
  }
  if (items.length === 0) throw new Error(`${flag} needs a value`);
  return items as T[];
}

function parseCli(argv: readonly string[]): Cli {
  const cli: Cli = {
    quick: false,
    only: [...SCENARIOS],
    servers: [...SERVERS],
    transports: [...TRANSPORTS],
    cpuProf: false,
    check: false,
    waitQuiet: 0,
    rabbitmq: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') cli.quick = true;
    else if (arg === '--cpu-prof') cli.cpuProf = true;
    else if (arg === '--check') cli.check = true;
    else if (arg === '--no-rabbitmq') cli.rabbitmq = false;
    else if (arg === '--wait-quiet') {
      cli.waitQuiet = Number(argv[++i]);
      if (!(cli.waitQuiet >= 0 && cli.waitQuiet <= 3600)) throw new Error('--wait-quiet needs seconds (0 to 3600)');
    } else if (arg === '--only') cli.only = list(argv[++i], SCENARIOS, '--only');
    else if (arg === '--servers') cli.servers = list(argv[++i], SERVERS, '--servers');
    else if (arg === '--transports') cli.transports = list(argv[++i], TRANSPORTS, '--transports');
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${String(arg)}\n${USAGE}`);
  }
  return cli;
}

function write(path: string, text: string): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${relative(process.cwd(), path)}`);
}

/** `--render`: writes the markdown and the chart again from bench/results/latest.json (no measuring). */
function render(): number {
  const path = join(ROOT, 'bench', 'results', 'latest.json');
  const results = JSON.parse(readFileSync(path, 'utf8')) as Results;
  results.ratios = ratioRows(results.cells);
  results.stomp = stompRows(results.cells);
  results.targets = evaluateTargets(results.cells, results.ratios);
  write(join(ROOT, 'bench', 'results', 'latest.md'), renderMarkdown(results));
  write(join(ROOT, 'docs', 'bench-ratios.svg'), renderSvg(results));
  return 0;
}

async function main(): Promise<number> {
  if (process.argv[2] === '--render') return render();
  const cli = parseCli(process.argv.slice(2));
  killChildrenOnExit();
  const deadline = setTimeout(() => {
    console.error(`bench: still running after ${HARD_DEADLINE_MS / 60_000} min, giving up`);
    process.exit(2);
  }, HARD_DEADLINE_MS);
  deadline.unref();

  const profile = cli.quick ? QUICK : FULL;
  const complete =
    !cli.quick &&
    cli.only.length === SCENARIOS.length &&
    cli.servers.length === SERVERS.length &&
    cli.transports.length === TRANSPORTS.length;
  const generator = await Child.spawn('generator', { script: 'load/generator.js' });
  const ctx: Context = {
    profile,
    servers: cli.servers,
    transports: cli.transports,
    generator,
    cells: new CellSet(),
    notes: [],
    cpuProfileDir: cli.cpuProf ? join(ROOT, '.build-bench', 'profiles') : undefined,
    rabbitmq: cli.rabbitmq,
    log: (line) => console.log(line),
  };
  if (profile.name === 'quick')
    ctx.notes.push('quick profile: 1 repetition, short windows and fewer sessions; indicative only.');
  ctx.notes.push(
    `setup: servers run with disconnectDelay ${profile.setup.disconnectDelay} ms, so that the HTTP sessions a client abandons (xhr-streaming abort, xhr-polling stop) expire, and are paid for, inside the window.`,
  );
  let background = await backgroundLoad(1000);
  for (const until = performance.now() + cli.waitQuiet * 1000; background > 30 && performance.now() < until;) {
    console.log(`waiting for the machine to calm down (${background.toFixed(0)} % of one core busy)`);
    background = await backgroundLoad(2000);
  }
  console.log(`background load before the run: ${background.toFixed(0)} % of one core`);
  if (background > 30) {
    ctx.notes.push(
      `the machine was already ${background.toFixed(0)} % (of one core) busy with other work when the run started.`,
    );
    console.log('  warning: the machine is busy with other work; results will be noisy');
  }
  const started = performance.now();
  try {
    for (const scenario of cli.only) {
      const at = performance.now();
      console.log(`\n== ${scenario} ==`);
      await RUNNERS[scenario](ctx);
      console.log(`== ${scenario}: ${((performance.now() - at) / 1000).toFixed(0)} s`);
    }
  } finally {
    await generator.stop();
  }

  const cells = ctx.cells.finish();
  const other = median(cells.flatMap((c) => c.reps.map((r) => r.otherCpuPct ?? Number.NaN)));
  if (Number.isFinite(other)) {
    ctx.notes.push(
      `other processes on the machine used a median ${other.toFixed(0)} % of one core during the measured windows (of ${describeMachine().cores * 100} %)` +
        (other > 20
          ? ": the machine was shared, so throughput and latency are noisy; CPU per operation is each server process's own and holds up better."
          : '.'),
    );
  }
  const ratios = ratioRows(cells);
  const results: Results = {
    date: new Date().toISOString(),
    profile:
      profile.name +
      (complete ? '' : ` (${cli.only.join(', ')}; ${cli.servers.join(', ')}; ${cli.transports.join(', ')})`),
    runtimeSeconds: (performance.now() - started) / 1000,
    machine: describeMachine(),
    notes: ctx.notes,
    cells,
    ratios,
    stomp: stompRows(cells),
    targets: evaluateTargets(cells, ratios),
  };

  const outDir = complete ? join(ROOT, 'bench', 'results') : join(ROOT, '.build-bench', 'results');
  const markdown = renderMarkdown(results);
  write(join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  write(join(outDir, 'latest.md'), markdown);
  write(complete ? join(ROOT, 'docs', 'bench-ratios.svg') : join(outDir, 'bench-ratios.svg'), renderSvg(results));

  console.log(`\nTargets (${results.runtimeSeconds.toFixed(0)} s run):`);
  for (const target of results.targets) {
    console.log(`  ${target.met ? 'met   ' : 'MISSED'}  ${target.name}: ${target.measured.toFixed(3)} ${target.unit}`);
  }
  const missed = results.targets.filter((t) => !t.met).length;
  console.log(`${results.targets.length - missed} of ${results.targets.length} targets met`);
  return cli.check && missed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
