/**
 * The STOMP broker relay (server/stomp/relay/): our STOMP server with `broker: createStompBrokerRelay(…)`
 * relaying /topic, /queue, /exchange and /amq/queue to a real RabbitMQ (Debian's `rabbitmq-server`
 * with `rabbitmq_stomp`, started by this file in a temp dir: demo/peers/rabbitmq.ts, shared with the
 * bench), with stompjs clients on our plain websocket endpoint. The RabbitMQ block is skipped, saying
 * why, where rabbitmq-server is missing or cannot run (it needs root here). Heart-beats, backoff and
 * option checks run against a scripted fake broker on a local socket, everywhere.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, test, type TestContext } from 'node:test';
import { rabbitMqMissing, startRabbitMq, type RabbitMqNode } from '../../demo/peers/rabbitmq';
import { encodeFrame, StompDecoder, type StompFrame } from '../../protocol';
import { createRedisBus } from '../../server/cluster';
import { createStompBrokerRelay, OutboundMessage, type StompBrokerRelay } from '../../server/stomp';
import { Events } from '../support/events';
import { RecordingLogger } from '../support/logger';
import { redisSkipReason, startRedis } from '../support/redis';
import { Resources } from '../support/resources';
import { startStompServer, StompjsSession, type StompTestServer } from '../support/stomp';
import { principalFromQuery, withUser } from '../support/stomp-e2e';
import { until, withTimeout } from '../support/wait';

/** RabbitMQ's own message ids (`T_sub-0@@session-…@@1`): proof a message went through it. */
const RABBIT_MESSAGE_ID = /@@/;
const RABBIT_START_MS = 70_000;

function waitForEvent(relay: StompBrokerRelay, name: 'available' | 'unavailable', ms: number): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      const off = relay.on(name, () => {
        off();
        resolve();
      });
    }),
    `the relay to become ${name}`,
    ms,
  );
}

// ---- a scripted broker: what the relay writes, and CONNECTED with the heart-beat we choose ----

interface FakeBroker {
  readonly port: number;
  /** Frames from the relay, and its heart-beats (`beat`), in order; `connection` per accepted socket. */
  readonly seen: Events<string>;
  close(): Promise<void>;
}

async function startFakeBroker(heartBeat: string): Promise<FakeBroker> {
  const seen = new Events<string>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    seen.push('connection');
    const decoder = new StompDecoder();
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      for (const item of decoder.push(text)) {
        if (item.type === 'heart-beat') {
          seen.push('beat');
          continue;
        }
        seen.push(item.frame.command);
        if (item.frame.command === 'CONNECT') {
          const connected: StompFrame = {
            command: 'CONNECTED',
            headers: [
              ['version', '1.2'],
              ['heart-beat', heartBeat],
            ],
            body: '',
          };
          socket.write(encodeFrame(connected, '1.2'));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('STOMP broker relay without a broker', () => {
  const resources = new Resources();
  after(() => resources.closeAll());

  test('options are checked at construction', () => {
    assert.throws(() => createStompBrokerRelay({ brokers: [] }), { code: 'ERR_INVALID_OPTION' });
    assert.throws(() => createStompBrokerRelay({ destinationPrefixes: ['topic'] }), { code: 'ERR_INVALID_OPTION' });
    assert.throws(() => createStompBrokerRelay({ login: 'a\nb' }), { code: 'ERR_INVALID_OPTION' });
    assert.throws(() => createStompBrokerRelay({ reconnectDelay: { initial: 0 } }), { code: 'ERR_INVALID_OPTION' });
    assert.throws(() => createStompBrokerRelay({ hots: 'x' } as never), { code: 'ERR_INVALID_OPTION' });
    assert.throws(() => createStompBrokerRelay({ sessionCredentials: 'own' } as never), /sessionCredentials/);
    assert.throws(() => createStompBrokerRelay({ sessionCredentials: 'client', clientLogin: 'a' }), /clientLogin/);
    assert.throws(() => createStompBrokerRelay({ clientPasscode: 'a\rb' }), { code: 'ERR_INVALID_OPTION' });
  });

  test('while no broker answers, a publish throws ERR_STOMP_BROKER_UNAVAILABLE and the relay keeps trying', async () => {
    const port = await deadPort();
    const logger = new RecordingLogger();
    const relay = resources.add(
      createStompBrokerRelay({ port, logger, reconnectDelay: { initial: 20, max: 40 } }),
      (r) => r.close(),
    );
    assert.equal(relay.available, false);
    assert.ok(relay.handles('/topic/a') && relay.handles('/amq/queue/b') && !relay.handles('/app/x'));
    const message = new OutboundMessage('/topic/a', 'm1', 'hi', 'text/plain');
    assert.throws(() => relay.publish(message), { code: 'ERR_STOMP_BROKER_UNAVAILABLE' });
    // Several failed attempts, none given up on.
    await until(
      () => logger.entries.filter((entry) => entry.msg === 'STOMP relay connection attempt failed').length >= 3,
      'three connection attempts',
    );
    assert.equal(relay.relayStats().refusedPublishes, 1);
  });

  test('heart-beats are written by the relay on an idle connection, and a silent broker is dropped', async () => {
    // The broker wants a beat every 100 ms and sends none itself (it can, it says, every 100 ms).
    const broker = resources.add(await startFakeBroker('100,100'), (b) => b.close());
    const relay = resources.add(
      createStompBrokerRelay({
        port: broker.port,
        systemHeartBeat: [100, 100],
        reconnectDelay: { initial: 20, max: 40 },
        logger: new RecordingLogger(),
      }),
      (r) => r.close(),
    );
    await waitForEvent(relay, 'available', 5000);
    // No application traffic at all: the beats are the relay's own timer.
    await broker.seen.waitFor((item) => item === 'beat', 'a heart-beat from the relay', 2000);
    await until(() => broker.seen.count((item) => item === 'beat') >= 3, 'three heart-beats', 2000);
    // The broker never beats: after 3 agreed intervals the relay drops it and connects again.
    await until(() => broker.seen.count((item) => item === 'connection') >= 2, 'a reconnect after silence', 5000);
  });

  test('brokers: an attempt that fails goes on to the next broker of the list', async () => {
    const broker = resources.add(await startFakeBroker('0,0'), (b) => b.close());
    const relay = resources.add(
      createStompBrokerRelay({
        brokers: [
          { host: '127.0.0.1', port: await deadPort() },
          { host: '127.0.0.1', port: broker.port },
        ],
        reconnectDelay: { initial: 20, max: 40 },
        logger: new RecordingLogger(),
      }),
      (r) => r.close(),
    );
    await waitForEvent(relay, 'available', 5000);
    assert.ok(broker.seen.items.includes('CONNECT'));
  });
});

// ---- against RabbitMQ ----

interface Rig {
  readonly rabbit: RabbitMqNode;
  readonly relay: StompBrokerRelay;
  readonly server: StompTestServer;
  readonly relayLogger: RecordingLogger;
}

const missing = rabbitMqMissing();

describe('STOMP broker relay to RabbitMQ', { skip: missing && `rabbitmq-server: ${missing}` }, () => {
  const resources = new Resources();
  let rig: Rig | undefined;
  let startFailure: string | undefined;

  before(
    async () => {
      let rabbit: RabbitMqNode;
      try {
        rabbit = await startRabbitMq({ plugins: ['rabbitmq_stomp'] });
      } catch (error) {
        startFailure = error instanceof Error ? error.message.split('\n')[0] : String(error);
        return;
      }
      resources.add(rabbit, (node) => node.dispose());
      const relayLogger = new RecordingLogger();
      const relay = createStompBrokerRelay({
        port: rabbit.ports.stomp,
        systemHeartBeat: [1000, 1000],
        reconnectDelay: { initial: 100, max: 1000 },
        logger: relayLogger,
      });
      resources.add(relay, (r) => r.close());
      const available = waitForEvent(relay, 'available', 10_000);
      const server = await startStompServer({ broker: relay, heartBeat: [0, 0] }, (stomp) => {
        stomp.messageMapping('/shout', (message) => String(message.payload).toUpperCase());
      });
      resources.add(server.http, (http) => http.close());
      await available;
      rig = { rabbit, relay, server, relayLogger };
    },
    { timeout: RABBIT_START_MS },
  );

  after(() => resources.closeAll(), { timeout: 30_000 });

  /** The rig, or the test is skipped with why RabbitMQ did not start. */
  function running(t: TestContext): Rig | undefined {
    if (!rig) t.skip(`RabbitMQ did not start: ${startFailure ?? 'unknown'}`);
    return rig;
  }

  async function client(r: Rig, local: Resources): Promise<StompjsSession> {
    return StompjsSession.connect(r.server, 'ws', local);
  }

  /** Subscribes and waits until RabbitMQ has confirmed it (our RECEIPT comes before that); returns its id. */
  async function subscribedAtBroker(
    r: Rig,
    session: StompjsSession,
    destination: string,
    headers: Record<string, string> = {},
  ): Promise<string> {
    const id = await session.subscribed(destination, headers);
    await until(() => atBroker(r, session, id), `RabbitMQ to confirm ${destination}`);
    return id;
  }

  function atBroker(r: Rig, session: StompjsSession, subscriptionId: string): boolean {
    return r.relay.confirmed(session.connectedFrame?.headers.session ?? '', subscriptionId);
  }

  test('a topic: one client subscribes, another sends, the messages come through RabbitMQ in order', async (t) => {
    const r = running(t);
    if (!r) return;
    const local = new Resources();
    try {
      const subscriber = await client(r, local);
      const publisher = await client(r, local);
      await subscribedAtBroker(r, subscriber, '/topic/x');
      for (let i = 0; i < 5; i++) publisher.client.publish({ destination: '/topic/x', body: `m${i}` });
      const messages = await subscriber.messages.waitForCount(5, 'five messages through RabbitMQ');
      assert.deepEqual(
        messages.map((m) => m.body),
        ['m0', 'm1', 'm2', 'm3', 'm4'],
      );
      const first = messages[0];
      assert.equal(first?.headers.destination, '/topic/x');
      assert.match(first?.headers['message-id'] ?? '', RABBIT_MESSAGE_ID);
      assert.match(first?.headers['content-type'] ?? '', /^text\/plain/);
    } finally {
      await local.closeAll();
    }
  });

  test('template.convertAndSend reaches a subscriber through RabbitMQ', async (t) => {
    const r = running(t);
    if (!r) return;
    const local = new Resources();
    try {
      const subscriber = await client(r, local);
      await subscribedAtBroker(r, subscriber, '/topic/announce');
      assert.equal(r.server.stomp.template.convertAndSend('/topic/announce', { n: 1 }), 0);
      const message = await subscriber.messages.waitFor(() => true, 'the template message');
      assert.deepEqual(JSON.parse(message.body), { n: 1 });
      assert.match(message.headers['content-type'] ?? '', /^application\/json/);
      assert.match(message.headers['message-id'] ?? '', RABBIT_MESSAGE_ID);
    } finally {
      await local.closeAll();
    }
  });

  test('/app handlers run in our node and their replies go through the relay', async (t) => {
    const r = running(t);
    if (!r) return;
    const local = new Resources();
    try {
      const subscriber = await client(r, local);
      await subscribedAtBroker(r, subscriber, '/topic/shout');
      await subscriber.publishWithReceipt('/app/shout', 'hello');
      const reply = await subscriber.messages.waitFor(() => true, 'the /app reply');
      assert.equal(reply.body, 'HELLO');
      assert.equal(reply.headers.destination, '/topic/shout');
      assert.match(reply.headers['message-id'] ?? '', RABBIT_MESSAGE_ID);
    } finally {
      await local.closeAll();
    }
  });

  test("a session's broker connection: made at its first relayed SUBSCRIBE, closed with its last", async (t) => {
    const r = running(t);
    if (!r) return;
    const local = new Resources();
    try {
      // What earlier tests' sessions had is let go as their closes arrive.
      await until(() => r.relay.relayStats().sessions === 0, 'no session connections left from earlier tests');
      const session = await client(r, local);
      await session.subscribed('/user/queue/private');
      assert.equal(r.relay.relayStats().sessions, 0, 'a /user subscription stays in our node');
      const a = await subscribedAtBroker(r, session, '/topic/a');
      const b = await subscribedAtBroker(r, session, '/topic/b');
      assert.deepEqual(
        { sessions: r.relay.relayStats().sessions, connected: r.relay.relayStats().connectedSessions },
        { sessions: 1, connected: 1 },
      );
      assert.equal(r.relay.stats().topicSubscriptions, 2);
      session.client.unsubscribe(a);
      await until(() => !atBroker(r, session, a), 'the first one gone');
      assert.equal(r.relay.relayStats().sessions, 1);
      session.client.unsubscribe(b);
      await until(() => r.relay.relayStats().sessions === 0, 'the connection closed with the last subscription');
      assert.equal(r.relay.stats().topicSubscriptions, 0);
    } finally {
      await local.closeAll();
    }
  });

  test('client-individual on a queue: a NACK is relayed (RabbitMQ redelivers), then the ACK', async (t) => {
    const r = running(t);
    if (!r) return;
    const local = new Resources();
    try {
      const consumer = await client(r, local);
      const queue = `/queue/jobs-${process.pid}`;
      const redeliveredBefore = r.relay.stats().redelivered;
      await subscribedAtBroker(r, consumer, queue, { ack: 'client-individual' });
      r.server.stomp.template.convertAndSend(queue, 'job-1');
      const first = await consumer.messages.waitFor((m) => m.body === 'job-1', 'the job');
      first.nack();
      const again = await consumer.messages.waitFor((m) => m.body === 'job-1', 'the job again', 5000, 1);
      assert.equal(again.headers.redelivered, 'true');
      again.ack();
      await until(() => r.relay.stats().redelivered > redeliveredBefore, 'a redelivery counted');
    } finally {
      await local.closeAll();
    }
  });

  test('UNSUBSCRIBE with a message unacknowledged: nothing RabbitMQ would refuse, and the message goes back when the session does', async (t) => {
    const r = running(t);
    if (!r) return;
    const local = new Resources();
    try {
      const first = await client(r, local);
      const queue = `/queue/handoff-${process.pid}`;
      const keep = await subscribedAtBroker(r, first, '/topic/keep');
      const held = await subscribedAtBroker(r, first, queue, { ack: 'client-individual' });
      r.server.stomp.template.convertAndSend(queue, 'job');
      await first.messages.waitFor((m) => m.body === 'job', 'the job, left unacknowledged');
      first.client.unsubscribe(held);
      // No NACK after the UNSUBSCRIBE (RabbitMQ's ERROR would end the session's broker connection).
      r.server.stomp.template.convertAndSend('/topic/keep', 'kept');
      await first.messages.waitFor((m) => m.body === 'kept', 'the other subscription still served');
      assert.ok(atBroker(r, first, keep));
      const second = await client(r, local);
      await subscribedAtBroker(r, second, queue, { ack: 'client-individual' });
      // The first session ends: its broker connection closes, and RabbitMQ requeues the job.
      await first.client.deactivate();
      const handed = await second.messages.waitFor((m) => m.body === 'job', 'the job at the other consumer');
      assert.equal(handed.headers.redelivered, 'true');
      handed.ack();
      const errors = r.relayLogger.entries.filter((entry) => entry.msg === 'STOMP relay: ERROR from the broker');
      assert.deepEqual(errors, []);
    } finally {
      await local.closeAll();
    }
  });

  test('a subscription RabbitMQ refuses is logged and not sent again; the session keeps its others', async (t) => {
    const r = running(t);
    if (!r) return;
    const local = new Resources();
    try {
      const subscriber = await client(r, local);
      const ok = await subscribedAtBroker(r, subscriber, '/topic/ok');
      const refusals = (): number =>
        r.relayLogger.entries.filter((entry) => entry.msg === 'STOMP relay: the broker refused a subscription').length;
      const before = refusals();
      await subscriber.subscribed(`/exchange/none-${process.pid}/k`);
      await until(() => refusals() > before, 'the refusal logged');
      // RabbitMQ closes that connection after its ERROR: the relay connects again and resends /topic/ok alone.
      const sessionId = subscriber.connectedFrame?.headers.session;
      await r.relayLogger.waitFor(
        (entry) => entry.msg === 'STOMP relay connection lost' && entry.obj.relay === sessionId,
        "the session's broker connection closed by RabbitMQ",
      );
      await until(() => atBroker(r, subscriber, ok), '/topic/ok confirmed again', 10_000);
      const publisher = await client(r, local);
      publisher.client.publish({ destination: '/topic/ok', body: 'still here' });
      await subscriber.messages.waitFor((m) => m.body === 'still here', 'a message on the other subscription');
      assert.equal(refusals(), before + 1);
    } finally {
      await local.closeAll();
    }
  });

  test('RabbitMQ stopped and restarted: SENDs get ERROR meanwhile, then the relay reconnects and resubscribes', async (t) => {
    const r = running(t);
    if (!r) return;
    const local = new Resources();
    try {
      const subscriber = await client(r, local);
      const id = await subscribedAtBroker(r, subscriber, '/topic/r');

      const down = waitForEvent(r.relay, 'unavailable', 25_000);
      await r.rabbit.stop();
      await down;
      await until(() => !atBroker(r, subscriber, id), "the subscriber's broker connection to go down too", 10_000);
      const unlucky = await client(r, local);
      unlucky.client.publish({ destination: '/topic/r', body: 'lost' });
      const error = await unlucky.errors.waitFor(() => true, 'an ERROR for the SEND');
      assert.match(error.headers.message ?? '', /Message broker not available/);
      // The /app path too: its reply cannot be published.
      assert.throws(() => r.server.stomp.template.convertAndSend('/topic/r', 'x'), {
        code: 'ERR_STOMP_BROKER_UNAVAILABLE',
      });

      const up = waitForEvent(r.relay, 'available', RABBIT_START_MS);
      await r.rabbit.start();
      await up;
      // The subscriber's session connection comes back by itself and sends its SUBSCRIBE again.
      await until(() => atBroker(r, subscriber, id), 'the subscription re-established', 10_000);
      const publisher = await client(r, local);
      publisher.client.publish({ destination: '/topic/r', body: 'after' });
      const message = await subscriber.messages.waitFor((m) => m.body === 'after', 'a message after the restart');
      assert.match(message.headers['message-id'] ?? '', RABBIT_MESSAGE_ID);
      assert.equal(
        subscriber.messages.count((m) => m.body === 'lost'),
        0,
      );
    } finally {
      await local.closeAll();
    }
  });

  test('heart-beats both ways with RabbitMQ keep an idle system connection up', async (t) => {
    const r = running(t);
    if (!r) return;
    const logger = new RecordingLogger();
    const relay = createStompBrokerRelay({ port: r.rabbit.ports.stomp, systemHeartBeat: [300, 300], logger });
    try {
      await waitForEvent(relay, 'available', 10_000);
      const beats = (): { sent: number; received: number } => relay.relayStats().systemHeartBeats;
      // Nothing else is sent or received on it: every beat is the relay's timer or RabbitMQ's.
      await until(() => beats().sent >= 5 && beats().received >= 5, 'five heart-beats each way', 10_000);
      assert.equal(relay.available, true);
      assert.deepEqual(
        logger.entries.filter((entry) => entry.level === 'warn' || entry.level === 'error'),
        [],
      );
    } finally {
      relay.close();
    }
  });

  test('failover: the first broker of the list is down, the relay connects to the next', async (t) => {
    const r = running(t);
    if (!r) return;
    const relay = createStompBrokerRelay({
      brokers: [
        { host: '127.0.0.1', port: await deadPort() },
        { host: '127.0.0.1', port: r.rabbit.ports.stomp },
      ],
      reconnectDelay: { initial: 50, max: 200 },
      logger: new RecordingLogger(),
    });
    try {
      await waitForEvent(relay, 'available', 10_000);
    } finally {
      relay.close();
    }
  });

  /** The users RabbitMQ lists connections of now (`rabbitmqctl list_stomp_connections auth_login`). */
  async function connectedUsers(r: Rig): Promise<string[]> {
    const out = await r.rabbit.ctl('list_stomp_connections', 'auth_login', '--no-table-headers');
    return out
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .sort();
  }

  test("sessionCredentials 'client': each session's broker connection logs in as its client; a refused login ends that session alone with an ERROR", async (t) => {
    const r = running(t);
    if (!r) return;
    const user = `stomp-user-${process.pid}`;
    await r.rabbit.ctl('add_user', user, 'right-pass');
    await r.rabbit.ctl('set_permissions', '-p', '/', user, '.*', '.*', '.*');
    const local = new Resources();
    const logger = new RecordingLogger();
    const relay = local.add(
      createStompBrokerRelay({
        port: r.rabbit.ports.stomp,
        sessionCredentials: 'client',
        reconnectDelay: { initial: 50, max: 200 },
        logger,
      }),
      (x) => x.close(),
    );
    try {
      const available = waitForEvent(relay, 'available', 10_000);
      const server = await startStompServer({ broker: relay, heartBeat: [0, 0] });
      local.add(server.http, (http) => http.close());
      await available;
      const as = (login: string, passcode: string): Promise<StompjsSession> =>
        StompjsSession.connect(server, 'ws', local, { connectHeaders: { login, passcode } });
      const confirmed = (session: StompjsSession, id: string): boolean =>
        relay.confirmed(session.connectedFrame?.headers.session ?? '', id);

      const good = await as(user, 'right-pass');
      const id = await good.subscribed('/topic/creds');
      await until(() => confirmed(good, id), 'RabbitMQ to confirm the subscription of the good login', 10_000);
      // The system connection (publishes) is the configured guest; the session's is its client's user.
      const users = await connectedUsers(r);
      assert.equal(users.filter((u) => u === user).length, 1, `one connection of ${user}: ${users.join(', ')}`);
      const publisher = await as(user, 'right-pass');
      publisher.client.publish({ destination: '/topic/creds', body: 'one' });
      const one = await good.messages.waitFor((m) => m.body === 'one', 'a message through its own connection');
      assert.match(one.headers['message-id'] ?? '', RABBIT_MESSAGE_ID);

      const refusedLogins = (): number =>
        logger.entries.filter((e) => e.msg === 'STOMP relay: the broker refused CONNECT').length;
      const bad = await as(user, 'wrong-pass');
      bad.subscribe('/topic/creds');
      const error = await bad.errors.waitFor(() => true, 'an ERROR frame for the refused login', 10_000);
      assert.match(error.headers.message ?? '', /^Message broker refused the session: /);
      assert.match(error.headers.message ?? '', /access refused|bad connect|login/i);
      await bad.closes.waitFor(() => true, 'the refused session closed');
      // Its broker connection is gone and not tried again: only the good session has one.
      await until(() => relay.relayStats().sessions === 1, "the refused session's broker connection let go");
      assert.equal(refusedLogins(), 1, 'the refused login was tried once');

      // The system connection and the good session are untouched.
      assert.equal(relay.available, true);
      publisher.client.publish({ destination: '/topic/creds', body: 'two' });
      await good.messages.waitFor((m) => m.body === 'two', 'a message after the refusal');
      assert.equal(refusedLogins(), 1, 'still one attempt for the bad login');
    } finally {
      await local.closeAll();
      await r.rabbit.ctl('delete_user', user);
    }
  });

  test("sessionCredentials 'configured' (the default): sessions log in with clientLogin, the system connection with login", async (t) => {
    const r = running(t);
    if (!r) return;
    const user = `stomp-app-${process.pid}`;
    await r.rabbit.ctl('add_user', user, 'app-pass');
    await r.rabbit.ctl('set_permissions', '-p', '/', user, '.*', '.*', '.*');
    const local = new Resources();
    const relay = local.add(
      createStompBrokerRelay({
        port: r.rabbit.ports.stomp,
        clientLogin: user,
        clientPasscode: 'app-pass',
        logger: new RecordingLogger(),
      }),
      (x) => x.close(),
    );
    try {
      const available = waitForEvent(relay, 'available', 10_000);
      const server = await startStompServer({ broker: relay, heartBeat: [0, 0] });
      local.add(server.http, (http) => http.close());
      await available;
      const before = (await connectedUsers(r)).filter((u) => u === user).length;
      // The client's own login is not used: it has none at RabbitMQ.
      const session = await StompjsSession.connect(server, 'ws', local, {
        connectHeaders: { login: 'nobody', passcode: 'nothing' },
      });
      const id = await session.subscribed('/topic/configured');
      await until(() => relay.confirmed(session.connectedFrame?.headers.session ?? '', id), 'confirmed', 10_000);
      assert.equal((await connectedUsers(r)).filter((u) => u === user).length, before + 1);
    } finally {
      await local.closeAll();
      await r.rabbit.ctl('delete_user', user);
    }
  });

  test('two nodes, each with its relay and a cluster bus: topics through RabbitMQ, /user destinations and users through Redis', async (t) => {
    const r = running(t);
    if (!r) return;
    const noRedis = redisSkipReason();
    if (noRedis) return t.skip(noRedis);
    const local = new Resources();
    try {
      const redis = await startRedis();
      local.add(redis, (process) => process.stop());
      const nodes: StompTestServer[] = [];
      for (const nodeId of ['relay-1', 'relay-2']) {
        const bus = createRedisBus({ url: redis.url, nodeId, logger: new RecordingLogger() });
        local.add(bus, (b) => b.close());
        const relay = createStompBrokerRelay({ port: r.rabbit.ports.stomp, logger: new RecordingLogger() });
        local.add(relay, (x) => x.close());
        const available = waitForEvent(relay, 'available', 10_000);
        const server = await startStompServer({ broker: relay, cluster: bus, heartBeat: [0, 0] }, undefined, {
          cluster: bus,
          ...principalFromQuery,
        });
        local.add(server.http, (http) => http.close());
        await bus.start();
        await available;
        nodes.push(server);
      }
      const [one, two] = nodes as [StompTestServer, StompTestServer];
      const alice = await StompjsSession.connect(withUser(two, 'alice'), 'ws', local);
      await alice.subscribed('/user/queue/inbox');
      one.stomp.template.convertAndSendToUser('alice', '/queue/inbox', 'from node 1');
      const direct = await alice.messages.waitFor((m) => m.body === 'from node 1', "alice's message across nodes");
      assert.equal(direct.headers.destination, '/user/queue/inbox');
      assert.doesNotMatch(direct.headers['message-id'] ?? '', RABBIT_MESSAGE_ID, 'through the bus, not RabbitMQ');
      assert.deepEqual(await one.stomp.clusterUsers(), ['alice']);

      const subscriber = await StompjsSession.connect(two, 'ws', local);
      const id = await subscriber.subscribed('/topic/across');
      const relayOfTwo = two.stomp.broker as StompBrokerRelay;
      await until(
        () => relayOfTwo.confirmed(subscriber.connectedFrame?.headers.session ?? '', id),
        'RabbitMQ to confirm',
      );
      one.stomp.template.convertAndSend('/topic/across', 'through RabbitMQ');
      const relayed = await subscriber.messages.waitFor((m) => m.body === 'through RabbitMQ', 'the topic message');
      assert.match(relayed.headers['message-id'] ?? '', RABBIT_MESSAGE_ID);
    } finally {
      await local.closeAll();
    }
  });
});
