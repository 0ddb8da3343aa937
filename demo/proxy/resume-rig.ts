/**
 * The loss/duplication harness's rig, one per hostile mode: our server (one endpoint per run, so
 * that runs never see each other's sessions), nginx in that mode, and — in every mode but
 * idle-cut, where nginx does the cutting itself — the TCP cutter in front of nginx, which cuts a
 * connection of the run while it carries data:
 *
 * - a receiving request (stream or poll) at its next message frame, which is swallowed: messages
 *   server → client in flight;
 * - an `xhr_send` request at its response: the messages reached the server, the client was not told.
 */
import { TcpCutter, type CutterConnection } from './cutter';
import type { NginxMode, NginxProcess } from './nginx';
import { RESUME_OFF, RESUME_ON, resumeEndpointOptions, type ResumeSetting } from './resume-options';
import { startProxy, startServer, type ScenarioContext } from './rig';
import type { ScenarioServer } from './server';

export const RESUME_MODES = ['no-upgrade', 'buffering', 'idle-cut', 'drop'] as const;
export type ResumeMode = (typeof RESUME_MODES)[number];

/** The runs of a mode, each on its own endpoint (`/<run>`). */
export const RESUME_RUNS = ['sockjs-client', 'own-resume', 'own-no-resume'] as const;
export type ResumeRun = (typeof RESUME_RUNS)[number];

/** sockjs-client meets a server with resume on (as it would in a deployment that enables it). */
const RUN_RESUME: Readonly<Record<ResumeRun, ResumeSetting>> = {
  'sockjs-client': RESUME_ON,
  'own-resume': RESUME_ON,
  'own-no-resume': RESUME_OFF,
};

/** nginx's template for each mode: drop is the cutter in front of close-delimited responses, as in mode 4. */
const NGINX_MODE: Readonly<Record<ResumeMode, NginxMode>> = {
  'no-upgrade': 'no-upgrade',
  buffering: 'buffering',
  'idle-cut': 'idle-cut',
  drop: 'close-delimited',
};

/** The server's heartbeat: far longer than the idle cut, so that idle phases are really idle. */
export const HARNESS_HEARTBEAT_MS = 25_000;
/** nginx's idle cut in idle-cut mode, s. */
export const HARNESS_IDLE_SECONDS = 1;
/** Streams recycled every ~8 KiB of frames: the runs cross many response ends too. */
const HARNESS_RESPONSE_LIMIT = 8192;

export interface ResumeRig {
  mode: ResumeMode;
  server: ScenarioServer;
  nginx: NginxProcess;
  /** In front of nginx; none in idle-cut mode. */
  cutter: TcpCutter | undefined;
  /** What clients connect to (the cutter, or nginx). */
  baseUrl: string;
}

export function runPrefix(run: ResumeRun): string {
  return `/${run}`;
}

export async function startResumeRig(ctx: ScenarioContext, mode: ResumeMode): Promise<ResumeRig> {
  const server = await startServer(
    ctx,
    RESUME_RUNS.map((run) => ({
      prefix: runPrefix(run),
      options: {
        heartbeatDelay: HARNESS_HEARTBEAT_MS,
        responseLimit: HARNESS_RESPONSE_LIMIT,
        ...resumeEndpointOptions(RUN_RESUME[run]),
      },
    })),
  );
  const idleSeconds = mode === 'idle-cut' ? HARNESS_IDLE_SECONDS : undefined;
  const nginx = await startProxy(ctx, NGINX_MODE[mode], server.port, idleSeconds);
  if (mode === 'idle-cut') return { mode, server, nginx, cutter: undefined, baseUrl: nginx.url };
  const cutter = ctx.stack.use(await TcpCutter.start(nginx.port, ctx.bus), 'cutter', (c) => c.close());
  ctx.log?.(`cutter on ${cutter.url} -> nginx ${nginx.url}`);
  return { mode, server, nginx, cutter, baseUrl: cutter.url };
}

export type CutKind = 'receiving' | 'sending';

const RECEIVING = ['/xhr_streaming', '/xhr', '/eventsource'];

function carries(connection: CutterConnection, prefix: string, kind: CutKind): boolean {
  const path = connection.current?.path ?? '';
  if (!path.startsWith(`${prefix}/`)) return false;
  return kind === 'sending' ? path.endsWith('/xhr_send') : RECEIVING.some((end) => path.endsWith(end));
}

/**
 * A request waiting for its answer: a stream (answered bit by bit, for as long as it lasts), or a
 * poll or xhr_send with nothing back yet — not a kept-alive connection whose last exchange is over.
 */
function awaitingAnswer(connection: CutterConnection): boolean {
  const exchange = connection.current;
  if (!exchange) return false;
  return exchange.path.endsWith('/xhr_streaming') || exchange.path.endsWith('/eventsource') || exchange.downBytes === 0;
}

/** Ticks an armed cut may wait for its chunk before it is armed elsewhere (the client may not use that connection again). */
const ARMED_TICKS = 100;

/** Ticks a cut waits for a connection of the kind due before it takes either kind. */
const DUE_TICKS = 50;

/** One cut asked of the cutter, and whether it happened. */
export interface ArmedCut {
  kind: CutKind;
  /** Ticks since it was armed. */
  ticks: number;
  connection: CutterConnection;
}

/**
 * Cuts connections of one run through the cutter, one at a time: `request()` asks for a cut, and
 * each `tick()` arms it on a connection that carries the kind of request due (receiving and sending
 * in turn; the other kind when there is none), until that cut has happened.
 */
export class CutDriver {
  readonly cuts: ArmedCut[] = [];
  private armed: ArmedCut | undefined;
  private wanted = 0;
  /** Ticks the cut due has waited for a connection of its kind. */
  private waitingTicks = 0;

  constructor(
    private readonly cutter: TcpCutter,
    private readonly prefix: string,
  ) {}

  /** Ask for one more cut. */
  request(): void {
    this.wanted++;
  }

  /** Cuts that happened. */
  get done(): ArmedCut[] {
    return this.cuts.filter((cut) => cut.connection.wasCut);
  }

  tick(): void {
    const armed = this.armed;
    if (armed) {
      if (armed.connection.wasCut) {
        this.armed = undefined;
        this.wanted--;
      } else if (armed.connection.open && ++armed.ticks < ARMED_TICKS) return;
      else {
        // Closed without the cut, or its connection not used again in time: arm elsewhere.
        armed.connection.cutOnDown(() => false);
        this.armed = undefined;
      }
    }
    if (this.wanted <= 0) return;
    const due: CutKind = this.done.length % 2 === 0 ? 'receiving' : 'sending';
    // The kind due, for a while (an xhr_send is in flight only now and then); then either kind.
    const kinds: readonly CutKind[] =
      ++this.waitingTicks < DUE_TICKS ? [due] : [due, due === 'receiving' ? 'sending' : 'receiving'];
    for (const kind of kinds) {
      const candidates = this.cutter.connections.filter((c) => c.open && !c.wasCut && carries(c, this.prefix, kind));
      // One waiting for its answer first; else a kept-alive one, likely to carry the next such request.
      const connection = candidates.find(awaitingAnswer) ?? candidates[candidates.length - 1];
      if (!connection) continue;
      this.waitingTicks = 0;
      // Checked again when the chunk arrives: a kept-alive connection may carry another request by then.
      connection.cutOnDown((text) =>
        kind === 'sending'
          ? carries(connection, this.prefix, kind)
          : carries(connection, this.prefix, kind) && text.includes('a['),
      );
      const cut = { kind, connection, ticks: 0 };
      this.cuts.push(cut);
      this.armed = cut;
      return;
    }
  }
}
