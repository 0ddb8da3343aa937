/**
 * `session.setHeartbeat()`: a session's SockJS `h` frames off (a sub-protocol with heart-beats of
 * its own) and back on, on xhr-streaming and websocket, through the sendLimits wrapper too; plain
 * websocket sessions keep their pings. Every "none arrived" is bounded by a control session on the
 * same endpoint getting several heartbeats meanwhile, never by a fixed sleep.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendLimits, type SockJsEndpoint, type SockJsSession } from '../../server';
import { HttpStream } from '../support/http-stream';
import { RecordingLogger } from '../support/logger';
import { Recorder, type Hooks } from '../support/recorder';
import { Resources } from '../support/resources';
import { serveEndpoints, type ExpressServer } from '../support/servers';
import { framesOf, newSessionId, wsUrl } from '../support/sockjs';
import { ChangeBus } from '../support/wait';
import { WsClient } from '../support/ws-client';
import { XhrPollingSession } from '../support/xhr-polling';

const HEARTBEAT_MS = 50;
/** Heartbeats the control session gets while the quiet one must get none. */
const PERIODS = 4;
/** Deadline of the first heartbeat once back on (several heartbeat delays). */
const BACK_ON_MS = 1000;
/** The /idle endpoint's idleTimeout: a few heartbeats are due before it. */
const IDLE_MS = 4 * HEARTBEAT_MS;
/** Sessions opened with this header turn their heartbeats off in onOpen. */
const QUIET = { 'x-quiet': '1' };

/** Heartbeats off in onOpen for a QUIET session; the messages `on` and `off` switch them. */
const hooks: Hooks = {
  onOpen(session) {
    if (session.headers['x-quiet'] !== undefined) session.setHeartbeat(false);
  },
  onMessage(session, message) {
    if (message === 'on' || message === 'off') session.setHeartbeat(message === 'on');
  },
};

const resources = new Resources();
after(() => resources.closeAll());

const plain = new Recorder(hooks);
const limited = new Recorder(hooks);
let server: ExpressServer;

before(async () => {
  const common = { heartbeatDelay: HEARTBEAT_MS, logger: new RecordingLogger() };
  const limits = sendLimits({ sendTimeLimit: 60_000, bufferSizeLimit: 10_000, overflow: 'terminate' });
  server = resources.add(
    await serveEndpoints([
      { prefix: '/t', handler: plain.handler, ...common },
      { prefix: '/limited', handler: limits(limited.handler), ...common },
      { prefix: '/idle', handler: new Recorder(hooks).handler, idleTimeout: IDLE_MS, ...common },
    ]),
    (s) => s.close(),
  );
});

/** The `h` frames an xhr-streaming body carried (the prelude is not one). */
function heartbeats(text: string): number {
  return framesOf(text).filter((frame) => frame === 'h').length;
}

/** Opens an xhr-streaming receiver for `id` under `prefix` and waits for `o`. */
async function streaming(prefix: string, id: string, headers: Record<string, string> = {}): Promise<HttpStream> {
  const stream = resources.add(
    await HttpStream.open(server.port, 'POST', `${prefix}/000/${id}/xhr_streaming`, { headers }),
    (s) => s.close(),
  );
  assert.equal(stream.status, 200);
  await stream.waitFor((text) => framesOf(text).includes('o'), 'the open frame on xhr_streaming');
  return stream;
}

/** `xhr_send` of `messages` to session `id` under `prefix`; expects 204. */
async function xhrSend(prefix: string, id: string, messages: string[]): Promise<void> {
  const response = await new XhrPollingSession(server.port, prefix, {}, id).send(messages);
  assert.equal(response.status, 204, `xhr_send answered ${response.status}: ${response.body}`);
}

/** Opens a SockJS websocket session under `prefix` and reads its `o`. */
async function websocket(prefix: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const ws = resources.add(
    await WsClient.open(wsUrl(server.baseUrl, `${prefix}/000/${newSessionId()}/websocket`), { headers }),
    (w) => w.close(),
  );
  assert.equal(await ws.next('the open frame'), 'o');
  return ws;
}

/**
 * Opens a quiet and a control xhr-streaming session under `prefix`, checks the quiet one gets no
 * `h` while the control gets PERIODS, then turns it back on with an `on` message.
 */
async function offThenOn(prefix: string): Promise<void> {
  const id = newSessionId();
  const quiet = await streaming(prefix, id, QUIET);
  const control = await streaming(prefix, newSessionId());
  await control.waitFor((text) => heartbeats(text) >= PERIODS, `${PERIODS} heartbeats on the control session`);
  assert.deepEqual(framesOf(quiet.text), ['o'], 'the quiet session got no heartbeat');

  await xhrSend(prefix, id, ['on']);
  await quiet.waitFor((text) => heartbeats(text) >= 1, 'a heartbeat once back on', BACK_ON_MS);
  assert.deepEqual(framesOf(quiet.text), ['o', 'h']);
}

describe('setHeartbeat()', () => {
  test('xhr-streaming: off in onOpen, no h while a control session gets them; back on, h again', async () => {
    await offThenOn('/t');
  });

  test('SockJS websocket: off in onOpen, no h while a control session gets them; back on, h again', async () => {
    const quiet = await websocket('/t', QUIET);
    const control = await websocket('/t');
    // The control's messages after `o`: PERIODS heartbeats.
    await control.message(PERIODS, `${PERIODS} heartbeats on the control session`);
    assert.deepEqual(control.received.slice(1), Array<string>(PERIODS).fill('h'));
    assert.deepEqual(quiet.received, ['o'], 'the quiet session got no heartbeat');

    quiet.send(JSON.stringify(['on']));
    assert.equal(await quiet.message(1, 'a heartbeat once back on', BACK_ON_MS), 'h');
  });

  test('heartbeats off, the idle timeout still closes the session, with no h before its close frame', async () => {
    const quiet = await streaming('/idle', newSessionId(), QUIET);
    const control = await streaming('/idle', newSessionId());
    const closed = (text: string): boolean => framesOf(text).some((frame) => frame.startsWith('c['));
    await quiet.waitFor(closed, 'the idle close of the quiet session');
    await control.waitFor(closed, 'the idle close of the control session');
    assert.ok(
      heartbeats(control.text) >= 1,
      `the control got heartbeats before its close: ${control.text.slice(2049)}`,
    );
    assert.deepEqual(framesOf(quiet.text), ['o', 'c[1001,"Idle timeout"]']);
  });

  test('a session wrapped by sendLimits: the switch reaches the session', async () => {
    const from = limited.mark();
    const opened = limited.waitForOpen(from, 'onOpen of the quiet session');
    await offThenOn('/limited');
    const session: SockJsSession = await opened;
    const endpoint = server.endpoints[1] as SockJsEndpoint;
    assert.notEqual(session, endpoint.sessions.get(session.id), 'the handler saw the wrapper, not the session');
  });

  test('plain websocket: setHeartbeat(false) leaves its pings on', async () => {
    const from = plain.mark();
    const ws = resources.add(await WsClient.open(wsUrl(server.baseUrl, '/t/websocket'), { headers: QUIET }), (w) =>
      w.close(),
    );
    const session = await plain.waitForOpen(from, 'onOpen of the raw session');
    assert.equal(session.transport, 'websocket-raw');
    let pings = 0;
    const changes = new ChangeBus();
    ws.socket.on('ping', () => {
      pings++;
      changes.changed();
    });
    await changes.until(
      () => (pings >= 2 ? true : undefined),
      'two pings on a raw session with heartbeats off',
      BACK_ON_MS,
    );
  });
});
