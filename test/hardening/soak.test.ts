/**
 * Soak: a few thousand SockJS sessions (× SOAK_SCALE, default 1) over websocket (the `ws` client
 * speaking SockJS frames), xhr-streaming and xhr-polling (node's http client on keep-alive
 * agents), 64 at a time, with churn: every session asks the server for bursts of numbered
 * messages, some readers pause their socket for a while (slow readers), some sessions end
 * cleanly, some are aborted mid-response, some clients simply vanish.
 *
 * Checked:
 * - every session that ends cleanly got every message the server sent it exactly once, in order
 *   (sequence numbers 0..n-1, then its close frame); an aborted one got a gap-free prefix;
 * - the server saw the client's requests in order and ran onClose exactly once per session;
 * - afterwards `sessions.size` reaches 0, every session object becomes collectable, and the heap
 *   returns near its baseline.
 *
 * Every random choice comes from a PRNG seeded with SOAK_SEED (random when unset) and is made up
 * front, per session, so a seed replays the same plan; the seed is printed, and repeated in every
 * failure message.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import WebSocket from 'ws';
import { createEndpoint, type Logger, type SockJsEndpoint, type SockJsSession } from '../../server';
import { parseFrame } from '../../protocol';
import { listenTracked } from '../support/servers';
import { XHR_STREAMING_PRELUDE } from '../support/sockjs';
import { ChangeBus, delay, until, withTimeout } from '../support/wait';

const SCALE = Math.max(0.01, Number(process.env['SOAK_SCALE'] ?? '1') || 1);
const SEED = Number(process.env['SOAK_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const SESSIONS = Math.round(3000 * SCALE);
const CONCURRENCY = 64;
/** Sessions run first, so that the heap baseline includes compiled code and lazily built internals. */
const WARM_UP = 300;
/** Deadline of any single wait inside a session (a frame, a response). */
const STEP_MS = 15_000;

// --------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and the plan.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'websocket' | 'xhr-streaming' | 'xhr-polling';
type Ending = 'clean' | 'abort' | 'vanish';

interface Burst {
  count: number;
  size: number;
  /** Slow reader: pause the receiving socket this long right after asking for the burst (0 = no). */
  pauseMs: number;
}

interface Plan {
  index: number;
  kind: Kind;
  bursts: Burst[];
  ending: Ending;
  /** For abort/vanish: how many bursts complete first. */
  endAfter: number;
}

function makePlans(seed: number, count: number): Plan[] {
  const rng = mulberry32(seed);
  const int = (min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
  const plans: Plan[] = [];
  for (let index = 0; index < count; index++) {
    const k = rng();
    const kind: Kind = k < 0.4 ? 'websocket' : k < 0.75 ? 'xhr-streaming' : 'xhr-polling';
    const bursts: Burst[] = [];
    for (let b = int(1, 4); b > 0; b--) {
      const big = rng() < 0.03;
      bursts.push({
        count: big ? int(50, 150) : int(1, 25),
        size: big ? int(200, 2000) : int(0, 64),
        pauseMs: rng() < 0.1 ? int(20, 250) : 0,
      });
    }
    const e = rng();
    const ending: Ending = e < 0.75 ? 'clean' : e < 0.9 ? 'abort' : 'vanish';
    plans.push({ index, kind, bursts, ending, endAfter: int(0, bursts.length - 1) });
  }
  return plans;
}

// --------------------------------------------------------------------------------------------
// The server side.

interface ServerView {
  opens: number;
  closes: number;
  violations: string[];
  /** Every session object the handler saw, weakly: all must become collectable. */
  refs: Array<WeakRef<SockJsSession>>;
}

function soakHandler(
  view: ServerView,
  closed: WeakSet<SockJsSession>,
): Parameters<typeof createEndpoint>[0]['handler'] {
  return {
    onOpen(session) {
      view.opens++;
      view.refs.push(new WeakRef(session));
      session.attributes.set('in', 0);
      session.attributes.set('out', 0);
    },
    onMessage(session, message) {
      if (message === 'bye') {
        session.close(3000, 'done');
        return;
      }
      const [, k, count, size] = message.split(':').map(Number);
      const expected = session.attributes.get('in') as number;
      if (k !== expected) view.violations.push(`session ${session.id}: request ${k} arrived when ${expected} was due`);
      session.attributes.set('in', (k ?? 0) + 1);
      let out = session.attributes.get('out') as number;
      const pad = 'x'.repeat(size ?? 0);
      for (let i = 0; i < (count ?? 0); i++) session.send(`${out++}:${pad}`);
      session.attributes.set('out', out);
    },
    onClose(session) {
      if (closed.has(session)) view.violations.push(`session ${session.id}: onClose ran twice`);
      closed.add(session);
      view.closes++;
    },
  };
}

// --------------------------------------------------------------------------------------------
// The client side: one inbox per session, fed with frames, awaited on with deadlines.

class Inbox {
  opened = false;
  seqs: number[] = [];
  close: { code: number; reason: string } | undefined;
  /** The connection carrying frames is gone for good (websocket closed). */
  ended = false;
  problems: string[] = [];
  private readonly changes = new ChangeBus();

  frame(text: string): void {
    let frame;
    try {
      frame = parseFrame(text);
    } catch (error) {
      this.problems.push(`unparsable frame ${JSON.stringify(text.slice(0, 80))}: ${String(error)}`);
      return this.wake();
    }
    if (frame.type === 'open') {
      if (this.opened) this.problems.push('a second open frame');
      this.opened = true;
    } else if (frame.type === 'messages') {
      if (this.close) this.problems.push('messages after the close frame');
      for (const message of frame.messages) this.seqs.push(Number(message.slice(0, message.indexOf(':'))));
    } else if (frame.type === 'close') {
      if (this.close) this.problems.push(`a second close frame ${frame.code}`);
      this.close = { code: frame.code, reason: frame.reason };
    }
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  wake(): void {
    this.changes.changed();
  }

  /** Resolves once `ready()` holds; rejects after STEP_MS or once the session's connection is gone for good. */
  async until(ready: () => boolean, what: string): Promise<void> {
    const check = (): boolean => {
      if (ready()) return true;
      if (this.ended)
        throw new Error(
          `the session ended (${this.close ? `c[${this.close.code}]` : 'connection closed'}) while waiting for ${what}`,
        );
      return false;
    };
    await this.changes.when(check, what, STEP_MS, () => `have ${this.seqs.length} messages`);
  }
}

interface Outcome {
  plan: Plan;
  inbox: Inbox;
  /** Messages asked for by the bursts that were sent. */
  requested: number;
  /** The session ended cleanly: exactly-once applies in full. */
  clean: boolean;
}

interface Clients {
  port: number;
  agent: http.Agent;
  streamAgent: http.Agent;
}

function postText(
  clients: Clients,
  path: string,
  body = '',
  agent = clients.agent,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: clients.port,
        method: 'POST',
        path,
        agent,
        headers: { 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.setTimeout(STEP_MS, () => req.destroy(new Error(`no answer within ${STEP_MS} ms`)));
    // Which request failed, and on what connection: a bare "socket hang up" says neither.
    req.on('error', (error) =>
      reject(
        new Error(`POST ${path}${req.reusedSocket ? ' (reused keep-alive connection)' : ''}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    req.end(body);
  });
}

async function send(clients: Clients, base: string, message: string): Promise<void> {
  const r = await postText(clients, base + '/xhr_send', JSON.stringify([message]));
  if (r.status !== 204) throw new Error(`xhr_send answered ${r.status} ${JSON.stringify(r.text)}`);
}

const burstMessage = (k: number, burst: Burst): string => `burst:${k}:${burst.count}:${burst.size}`;

async function runWebsocket(plan: Plan, clients: Clients, inbox: Inbox): Promise<Outcome> {
  const ws = new WebSocket(`ws://127.0.0.1:${clients.port}/soak/000/${randomUUID()}/websocket`, {
    perMessageDeflate: false,
  });
  ws.on('message', (data: WebSocket.RawData) => inbox.frame(String(data)));
  ws.on('close', () => inbox.end());
  ws.on('error', (error) => inbox.problems.push(`websocket error ${error.message}`));
  let requested = 0;
  try {
    await inbox.until(() => inbox.opened, 'the open frame');
    for (const [k, burst] of plan.bursts.entries()) {
      if (plan.ending !== 'clean' && k === plan.endAfter) {
        ws.terminate();
        return { plan, inbox, requested, clean: false };
      }
      ws.send(JSON.stringify([burstMessage(k, burst)]));
      requested += burst.count;
      if (burst.pauseMs > 0) {
        ws.pause();
        await delay(burst.pauseMs);
        ws.resume();
      }
      await inbox.until(() => inbox.seqs.length >= requested, `burst ${k}`);
    }
    if (plan.ending !== 'clean') {
      ws.terminate();
      return { plan, inbox, requested, clean: false };
    }
    ws.send(JSON.stringify(['bye']));
    await inbox.until(() => inbox.close !== undefined && inbox.ended, 'the close frame and the end of the websocket');
    return { plan, inbox, requested, clean: true };
  } finally {
    ws.terminate();
  }
}

/** xhr-streaming: one response after another (each ends at responseLimit) until the close frame. */
async function runStreaming(plan: Plan, clients: Clients, inbox: Inbox): Promise<Outcome> {
  const base = `/soak/000/${randomUUID()}`;
  let stopped = false;
  let current: { req: ClientRequest; res?: IncomingMessage } | undefined;
  const receive = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port: clients.port,
        method: 'POST',
        path: base + '/xhr_streaming',
        agent: clients.streamAgent,
        headers: { 'Content-Length': 0 },
      });
      current = { req };
      req.on('response', (res) => {
        if (current?.req === req) current.res = res;
        if (res.statusCode !== 200) inbox.problems.push(`xhr_streaming answered ${res.statusCode}`);
        let buffered = '';
        let prelude = true;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (prelude) {
              prelude = false;
              if (line !== XHR_STREAMING_PRELUDE.trimEnd()) inbox.problems.push('xhr_streaming prelude missing');
              continue;
            }
            inbox.frame(line);
          }
        });
        res.on('end', () => resolve());
        res.on('error', () => resolve());
        res.on('close', () => resolve());
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.end();
    });
  const loop = (async () => {
    while (!stopped && !inbox.close) await receive();
    inbox.end();
  })();
  let requested = 0;
  try {
    await inbox.until(() => inbox.opened, 'the open frame');
    for (const [k, burst] of plan.bursts.entries()) {
      if (plan.ending !== 'clean' && k === plan.endAfter) break;
      await send(clients, base, burstMessage(k, burst));
      requested += burst.count;
      if (burst.pauseMs > 0 && current?.res) {
        const res = current.res;
        res.pause();
        await delay(burst.pauseMs);
        res.resume();
      }
      await inbox.until(() => inbox.seqs.length >= requested, `burst ${k}`);
    }
    if (plan.ending === 'clean') {
      await send(clients, base, 'bye');
      await inbox.until(() => inbox.close !== undefined, 'the close frame');
      await withTimeout(loop, 'the receiving loop to end', STEP_MS);
      return { plan, inbox, requested, clean: true };
    }
    // abort and vanish alike: the connection carrying the stream goes away (the session ends with
    // 1002, "Connection interrupted"); the client never comes back.
    stopped = true;
    current?.req.destroy();
    await withTimeout(loop, 'the receiving loop to end', STEP_MS);
    return { plan, inbox, requested, clean: false };
  } finally {
    stopped = true;
    current?.req.destroy();
  }
}

/** xhr-polling: one frame per response; a slow reader waits before polling again. */
async function runPolling(plan: Plan, clients: Clients, inbox: Inbox): Promise<Outcome> {
  const base = `/soak/000/${randomUUID()}`;
  let stopped = false;
  let pauseNext = 0;
  let inFlight: ClientRequest | undefined;
  const poll = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: clients.port,
          method: 'POST',
          path: base + '/xhr',
          agent: clients.agent,
          headers: { 'Content-Length': 0 },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            if (res.statusCode !== 200) inbox.problems.push(`xhr answered ${res.statusCode}`);
            for (const line of text.split('\n')) if (line !== '') inbox.frame(line);
            resolve();
          });
          res.on('error', () => resolve());
          res.on('close', () => resolve());
        },
      );
      inFlight = req;
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.end();
    });
  const loop = (async () => {
    while (!stopped && !inbox.close) {
      await poll();
      if (pauseNext > 0) {
        const ms = pauseNext;
        pauseNext = 0;
        await delay(ms);
      }
    }
    inbox.end();
  })();
  let requested = 0;
  try {
    await inbox.until(() => inbox.opened, 'the open frame');
    for (const [k, burst] of plan.bursts.entries()) {
      if (plan.ending !== 'clean' && k === plan.endAfter) break;
      pauseNext = burst.pauseMs;
      await send(clients, base, burstMessage(k, burst));
      requested += burst.count;
      await inbox.until(() => inbox.seqs.length >= requested, `burst ${k}`);
    }
    if (plan.ending === 'clean') {
      await send(clients, base, 'bye');
      await inbox.until(() => inbox.close !== undefined, 'the close frame');
      await withTimeout(loop, 'the receiving loop to end', STEP_MS);
      return { plan, inbox, requested, clean: true };
    }
    stopped = true;
    if (plan.ending === 'abort') inFlight?.destroy();
    await withTimeout(loop, 'the polling loop to end', STEP_MS);
    return { plan, inbox, requested, clean: false };
  } finally {
    stopped = true;
    if (plan.ending !== 'vanish') inFlight?.destroy();
  }
}

/** What a session's client saw, against what it was promised. */
function verify(outcome: Outcome): string[] {
  const { inbox, plan, requested, clean } = outcome;
  const problems = [...inbox.problems];
  const seqs = inbox.seqs;
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== i) {
      problems.push(`message ${i} carried sequence number ${seqs[i]} (lost, duplicated or reordered)`);
      break;
    }
  }
  if (seqs.length > requested) problems.push(`${seqs.length} messages for ${requested} requested`);
  if (clean) {
    if (seqs.length !== requested) problems.push(`${seqs.length} of ${requested} messages arrived`);
    if (!inbox.close || inbox.close.code !== 3000 || inbox.close.reason !== 'done') {
      problems.push(`close frame ${JSON.stringify(inbox.close)} instead of c[3000,"done"]`);
    }
  }
  return problems.map((p) => `session #${plan.index} (${plan.kind}, ${plan.ending}): ${p}`);
}

// --------------------------------------------------------------------------------------------

function getGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function settleAndCollect(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i++) {
    // A macrotask between collections: WeakRef targets stay alive until the end of the current job.
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

async function runPlans(
  plans: Plan[],
  clients: Clients,
): Promise<{ problems: string[]; clean: number; unclean: number }> {
  const problems: string[] = [];
  let next = 0;
  let clean = 0;
  let unclean = 0;
  const worker = async (): Promise<void> => {
    for (let plan = plans[next++]; plan !== undefined; plan = plans[next++]) {
      const inbox = new Inbox();
      try {
        const run =
          plan.kind === 'websocket' ? runWebsocket : plan.kind === 'xhr-streaming' ? runStreaming : runPolling;
        const outcome = await run(plan, clients, inbox);
        if (outcome.clean) clean++;
        else unclean++;
        problems.push(...verify(outcome));
      } catch (error) {
        // What the inbox noticed before the failure (a second open frame: the server had forgotten
        // the session) often says why a wait timed out; verify() is not reached to report it.
        const noticed =
          inbox.problems.length > 0 ? ` (the client had also seen: ${inbox.problems.slice(0, 3).join('; ')})` : '';
        problems.push(
          `session #${plan.index} (${plan.kind}, ${plan.ending}): ${error instanceof Error ? error.message : String(error)}${noticed}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { problems, clean, unclean };
}

test(
  `soak: ${SESSIONS} sessions over websocket, xhr-streaming and xhr-polling (seed ${SEED})`,
  { timeout: Math.max(120_000, 120_000 * SCALE) },
  async (t) => {
    t.diagnostic(`SOAK_SEED=${SEED} SOAK_SCALE=${SCALE}`);
    const gc = getGc();
    const view: ServerView = { opens: 0, closes: 0, violations: [], refs: [] };
    const closedSessions = new WeakSet<SockJsSession>();
    const errors: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (obj, msg) => errors.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
    };
    let endpoint: SockJsEndpoint | undefined = createEndpoint({
      prefix: '/soak',
      handler: soakHandler(view, closedSessions),
      // Small enough that streaming responses are recycled often: messages must survive the gap.
      responseLimit: 16 * 1024,
      heartbeatDelay: 1000,
      // The SockJS default. With 2 s, a test process stalled about that long on a loaded machine (GC,
      // the other half of the suite) missed a poll and its session was rightly forgotten: a flake
      // that said nothing about the endpoint.
      disconnectDelay: 5000,
      logger,
    });
    const ep = endpoint;
    const server = http.createServer((req, res) => {
      if (!ep.handleRequest(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    // Idle keep-alive connections are closed by the clients only (each phase destroys its agents).
    // Node's server would otherwise close one after keepAliveTimeout + 1 s of idleness, and an agent
    // built without `timeout` ignores the server's `Keep-Alive: timeout=5` hint, so it may hand that
    // very connection to the next request just as the server's timer fires: the request then fails
    // with "socket hang up" (seen on an xhr_send, and blamed on whichever session drew the socket).
    // That race is HTTP/1.1's own (a client must be ready for an idle connection to close under it),
    // not the endpoint's, and a POST cannot be blindly retried; without a server-side idle close it
    // cannot happen. The end-of-phase "every connection closes" waits get no help from it either.
    server.keepAliveTimeout = 0;
    ep.attach(server);
    const listening = await listenTracked(server);
    const { port } = listening;
    const newClients = (): Clients => ({
      port,
      agent: new http.Agent({ keepAlive: true, maxSockets: 256 }),
      streamAgent: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    });
    const fail = (message: string): never => assert.fail(`[SOAK_SEED=${SEED}] ${message}`);
    const started = Date.now();
    try {
      // Warm-up (JIT, lazily created internals), then the baseline heap with no session alive.
      const warm = newClients();
      const warmUp = await runPlans(makePlans(SEED ^ 0x5eed, WARM_UP), warm);
      if (warmUp.problems.length > 0) fail(`warm-up: ${warmUp.problems.slice(0, 5).join('; ')}`);
      warm.agent.destroy();
      warm.streamAgent.destroy();
      await until(() => ep.sessions.size === 0, 'the warm-up sessions to be forgotten', 10_000);
      await until(() => listening.openConnections === 0, 'the warm-up connections to close', 10_000);
      const baseline = await settleAndCollect(gc);

      const clients = newClients();
      const soakStarted = Date.now();
      // The plans are not kept past the run, so that they do not count as heap growth.
      const { problems, clean, unclean } = await runPlans(makePlans(SEED, SESSIONS), clients);
      const soakMs = Date.now() - soakStarted;
      t.diagnostic(`${SESSIONS} sessions (${clean} clean, ${unclean} aborted or vanished) in ${soakMs} ms`);
      if (problems.length > 0)
        fail(`${problems.length} client-side problems, first ones:\n  ${problems.slice(0, 10).join('\n  ')}`);

      // Every session is forgotten: aborted ones after disconnectDelay at the latest.
      clients.agent.destroy();
      clients.streamAgent.destroy();
      await until(() => ep.sessions.size === 0, `sessions.size to reach 0 (still ${ep.sessions.size})`, 15_000).catch(
        (e: Error) => fail(e.message),
      );
      await until(
        () => view.closes === view.opens,
        `onClose for every opened session (${view.closes}/${view.opens})`,
        5_000,
      ).catch((e: Error) => fail(e.message));
      await until(
        () => listening.openConnections === 0,
        `every connection to close (still ${listening.openConnections})`,
        10_000,
      ).catch((e: Error) => fail(e.message));
      if (view.violations.length > 0) fail(`server-side violations:\n  ${view.violations.slice(0, 10).join('\n  ')}`);
      if (errors.length > 0) fail(`the endpoint logged errors:\n  ${errors.slice(0, 5).join('\n  ')}`);
      assert.equal(view.opens, SESSIONS + WARM_UP, `[SOAK_SEED=${SEED}] every planned session opened`);

      // Memory. Each session drags along its Session object, request headers, attributes, timers and
      // closures — a few KiB at least, so leaking even a tenth of ~2400 sessions would grow the heap by
      // megabytes. The heap after the soak, with no session, agent or socket left and after forced full
      // collections, must be within 4 MiB (+ 1 KiB per session of slack for V8's own caches and
      // fragmentation) of the baseline taken the same way after the warm-up. The exact check is the
      // WeakRefs: every session object the handler ever saw must have been collected.
      const afterHeap = await settleAndCollect(gc);
      const alive = view.refs.filter((ref) => ref.deref() !== undefined).length;
      const growth = afterHeap - baseline;
      const tolerance = 4 * 1024 * 1024 + 1024 * SESSIONS;
      t.diagnostic(
        `heap: baseline ${(baseline / 1048576).toFixed(1)} MiB, after ${(afterHeap / 1048576).toFixed(1)} MiB; session objects still alive: ${alive}/${view.refs.length}`,
      );
      if (alive > 0)
        fail(`${alive} of ${view.refs.length} session objects are still reachable after every session closed`);
      if (growth > tolerance)
        fail(`heap grew by ${(growth / 1048576).toFixed(1)} MiB (tolerance ${(tolerance / 1048576).toFixed(1)} MiB)`);
      t.diagnostic(`total ${Date.now() - started} ms`);
    } finally {
      await ep.close({ flushTimeout: 0 });
      await listening.close();
      endpoint = undefined;
      void endpoint;
    }
  },
);
