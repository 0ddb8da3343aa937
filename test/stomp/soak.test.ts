/**
 * Soak, bounded (a few seconds): 50 sessions churning through thousands of subscriptions
 * (exact topics and a `/topic/soak.*` pattern) while two publishers send numbered messages. Every
 * subscription gets every message published wholly inside its live interval — from its SUBSCRIBE's
 * receipt to its UNSUBSCRIBE — and whatever else it gets is in order, once. At the end the server
 * holds no subscription, the broker no topic, and (when run with --expose-gc) the heap is back near where it
 * started.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { encodeFrame, headerValue, StompDecoder, type StompFrame } from '../../protocol';
import { MemoryBroker } from '../../server/stomp';
import type { Resources } from '../support/resources';
import { useStompServer, type StompTestServer } from '../support/stomp';
import { until, withTimeout } from '../support/wait';

const SESSIONS = 50;
const TOPICS = 20;
const ROUNDS = 10;
/** New subscriptions per session per round; half as many unsubscribed (so that some live for several rounds). */
const CHURN = 6;
/** Messages per topic per round. */
const PER_TOPIC = 6;
const PATTERN = '/topic/soak.*';

/** Events in the order this process saw them: what "before" and "after" mean below. */
let clock = 0;

/** A small deterministic PRNG (mulberry32), so that a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Live {
  readonly id: string;
  readonly destination: string;
  /** The clock when its SUBSCRIBE's receipt arrived (undefined until then). */
  from: number | undefined;
  /** The clock when its UNSUBSCRIBE was sent. */
  until: number;
  /** `topic:n` bodies as received. */
  readonly received: string[];
}

interface Published {
  readonly topic: number;
  readonly n: number;
  readonly sentAt: number;
  receiptAt: number;
}

/** A raw STOMP client that keeps only what the soak checks: receipts and messages by subscription. */
class SoakClient {
  readonly subscriptions = new Map<string, Live>();
  readonly errors: StompFrame[] = [];
  private readonly decoder = new StompDecoder();
  private readonly receipts = new Map<string, () => void>();
  private sequence = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      for (const item of this.decoder.push(data.toString())) if (item.type === 'frame') this.frame(item.frame);
    });
  }

  static async open(server: StompTestServer, resources: Resources): Promise<SoakClient> {
    const socket = new WebSocket(server.wsUrl, ['v12.stomp']);
    resources.add(socket, (s) => s.terminate());
    await withTimeout(new Promise((resolve) => socket.once('open', resolve)), 'a soak socket to open');
    const client = new SoakClient(socket);
    await client.request('CONNECT', { 'accept-version': '1.2', host: 'localhost' });
    return client;
  }

  get pending(): number {
    return this.receipts.size;
  }

  /** Sends a frame; `then` runs when its receipt (or, for CONNECT, CONNECTED) arrives. */
  send(command: StompFrame['command'], headers: Record<string, string>, body = '', then?: () => void): void {
    const all = { ...headers };
    if (then) {
      const receipt = command === 'CONNECT' ? 'connected' : `r${++this.sequence}`;
      if (command !== 'CONNECT') all.receipt = receipt;
      this.receipts.set(receipt, then);
    }
    this.socket.send(encodeFrame({ command, headers: Object.entries(all), body }, '1.2'));
  }

  request(command: StompFrame['command'], headers: Record<string, string>): Promise<void> {
    return withTimeout(new Promise((resolve) => this.send(command, headers, '', () => resolve())), `${command}`);
  }

  subscribe(destination: string): void {
    const live: Live = { id: `s${++this.sequence}`, destination, from: undefined, until: Infinity, received: [] };
    this.subscriptions.set(live.id, live);
    this.send('SUBSCRIBE', { id: live.id, destination }, '', () => (live.from = ++clock));
  }

  unsubscribe(live: Live): void {
    live.until = ++clock;
    this.send('UNSUBSCRIBE', { id: live.id }, '', () => undefined);
  }

  /** Subscriptions not yet unsubscribed. */
  active(): Live[] {
    return [...this.subscriptions.values()].filter((live) => live.until === Infinity);
  }

  private frame(frame: StompFrame): void {
    if (frame.command === 'MESSAGE') {
      this.subscriptions.get(headerValue(frame, 'subscription') ?? '')?.received.push(frame.body);
    } else if (frame.command === 'RECEIPT' || frame.command === 'CONNECTED') {
      const key = frame.command === 'CONNECTED' ? 'connected' : (headerValue(frame, 'receipt-id') ?? '');
      const then = this.receipts.get(key);
      this.receipts.delete(key);
      then?.();
    } else if (frame.command === 'ERROR') {
      this.errors.push(frame);
    }
  }
}

function topicName(index: number): string {
  return `/topic/soak.t${index}`;
}

/** Checks one subscription: in order per topic, nothing twice, nothing unpublished, nothing of its interval missing. */
function check(live: Live, published: readonly Published[]): number {
  const last = new Map<number, number>();
  const seen = new Set<string>();
  for (const body of live.received) {
    const [topic, n] = body.split(':').map(Number) as [number, number];
    assert.ok(!seen.has(body), `${live.id} got ${body} twice`);
    seen.add(body);
    assert.ok((last.get(topic) ?? -1) < n, `${live.id} got ${body} out of order`);
    last.set(topic, n);
    assert.ok(live.destination === PATTERN || live.destination === topicName(topic), `${live.id} got another topic`);
  }
  let required = 0;
  for (const message of published) {
    const matches = live.destination === PATTERN || live.destination === topicName(message.topic);
    if (!matches || live.from === undefined || message.sentAt < live.from || message.receiptAt > live.until) continue;
    required++;
    assert.ok(
      seen.has(`${message.topic}:${message.n}`),
      `${live.id} (${live.destination}) missed ${message.topic}:${message.n}`,
    );
  }
  return required;
}

describe('soak', () => {
  const started = useStompServer({ heartBeat: [0, 0], maxSubscriptionsPerSession: 4096 });

  test(
    'churning subscriptions: nothing lost, duplicated or reordered; everything cleaned up',
    { timeout: 30_000 },
    async (t) => {
      const running = started.running();
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const rand = random(42);
      const clients = await Promise.all(
        Array.from({ length: SESSIONS }, () => SoakClient.open(running, started.resources)),
      );
      const publishers = await Promise.all([0, 1].map(() => SoakClient.open(running, started.resources)));
      const published: Published[] = [];
      const nextN = new Array<number>(TOPICS).fill(0);
      let subscribedTotal = 0;
      const publishBatch = (perTopic: number): void => {
        for (let k = 0; k < perTopic; k++) {
          for (let topic = 0; topic < TOPICS; topic++) {
            const message: Published = { topic, n: nextN[topic]!++, sentAt: ++clock, receiptAt: Infinity };
            published.push(message);
            const publisher = publishers[topic % 2] as SoakClient;
            const body = `${topic}:${message.n}`;
            publisher.send('SEND', { destination: topicName(topic) }, body, () => (message.receiptAt = ++clock));
          }
        }
      };

      for (let round = 0; round < ROUNDS; round++) {
        // Half the round's messages race the churn from either side of it.
        publishBatch(PER_TOPIC / 2);
        for (const client of clients) {
          const active = client.active();
          for (let i = 0; i < CHURN / 2 && active.length > 0; i++) {
            client.unsubscribe(active.splice(Math.floor(rand() * active.length), 1)[0] as Live);
          }
          for (let i = 0; i < CHURN; i++) {
            client.subscribe(rand() < 0.1 ? PATTERN : topicName(Math.floor(rand() * TOPICS)));
            subscribedTotal++;
          }
        }
        publishBatch(PER_TOPIC / 2);
        await until(
          () => [...clients, ...publishers].every((c) => c.pending === 0),
          `round ${round}'s receipts`,
          10_000,
        );
        const live = running.stomp.stats().subscriptions;
        assert.equal(
          live,
          clients.reduce((sum, c) => sum + c.active().length, 0),
          'the server counts what is live',
        );
      }
      // Unsubscribing everything is the fence too: its receipt follows every message before it.
      for (const client of clients) for (const live of client.active()) client.unsubscribe(live);
      await until(() => clients.every((c) => c.pending === 0), 'the final unsubscribes', 10_000);

      let required = 0;
      for (const client of clients) {
        assert.deepEqual(
          client.errors.map((e) => headerValue(e, 'message')),
          [],
        );
        for (const live of client.subscriptions.values()) required += check(live, published);
      }
      assert.ok(subscribedTotal >= 2000, `thousands of subscriptions (${subscribedTotal})`);
      assert.ok(required > 10_000, `a real load of required deliveries (${required})`);
      t.diagnostic(`${subscribedTotal} subscriptions, ${published.length} messages, ${required} required deliveries`);

      const stats = running.stomp.stats();
      assert.equal(stats.subscriptions, 0);
      assert.ok(running.stomp.broker instanceof MemoryBroker);
      const broker = running.stomp.broker.stats();
      assert.deepEqual(
        {
          topicSubscriptions: broker.topicSubscriptions,
          topicNames: broker.topicNames,
          topicPatterns: broker.topicPatterns,
        },
        { topicSubscriptions: 0, topicNames: 0, topicPatterns: 0 },
        'the broker forgot every topic',
      );
      assert.equal(broker.published, published.length);
      for (const client of [...clients, ...publishers]) client.socket.close();
      await until(() => running.stomp.stats().sessions === 0, 'every session to end', 10_000);
      assert.equal(running.stomp.sessions.size, 0);
      if (gc) {
        for (const client of clients) client.subscriptions.clear();
        published.length = 0;
        gc();
        const grown = process.memoryUsage().heapUsed - heapBefore;
        // Generous on purpose: a leak of these thousands of subscriptions and deliveries would be far more.
        assert.ok(grown < 64 * 1024 * 1024, `heap grew ${grown} bytes`);
      }
    },
  );
});
