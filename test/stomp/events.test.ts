/**
 * Session events exactly once per session: connect, connected, subscribe, unsubscribe, disconnect
 * (with the close code) — for a session that says DISCONNECT, one ended by an ERROR, one whose client
 * vanished (socket terminated), and a SockJS one.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawStomp, StompjsSession, useStompServer } from '../support/stomp';
import { rawSession, rawSubscribe, withReceipt } from '../support/stomp-e2e';
import { Events } from '../support/events';
import type { StompEventName } from '../../server/stomp';

interface Seen {
  readonly name: StompEventName;
  readonly session: string;
  readonly detail: string;
}

const seen = new Events<Seen>();
const NAMES: StompEventName[] = ['connect', 'connected', 'subscribe', 'unsubscribe', 'disconnect'];

const started = useStompServer({ heartBeat: [0, 0] }, (stomp) => {
  for (const name of NAMES) {
    stomp.on(name, (event) => {
      const detail =
        'code' in event
          ? String(event.code)
          : 'subscriptionId' in event
            ? `${event.subscriptionId} ${event.destination}`
            : '';
      seen.push({ name, session: event.session.id, detail });
    });
  }
});

/** The events of one session, once its disconnect has been seen, and after another whole session's cycle. */
async function eventsOf(session: string): Promise<Seen[]> {
  await seen.waitFor((e) => e.name === 'disconnect' && e.session === session, `the disconnect of ${session}`);
  const fence = await rawSession(started.running(), started.resources);
  const fenceId = sessionIdOf(await fence.frames.waitFor((f) => f.command === 'CONNECTED', 'CONNECTED'));
  await fence.ws.close();
  await seen.waitFor((e) => e.name === 'disconnect' && e.session === fenceId, 'the fence session to end');
  return seen.items.filter((e) => e.session === session);
}

function sessionIdOf(connected: { headers: readonly (readonly [string, string])[] }): string {
  const header = connected.headers.find(([name]) => name === 'session');
  assert.ok(header, 'a session header');
  return header[1];
}

describe('session events', () => {
  test('DISCONNECT: connect, connected, subscribe, unsubscribe, disconnect 1000, each once, in order', async () => {
    const raw = await rawSession(started.running(), started.resources);
    const id = sessionIdOf(await raw.frames.waitFor((f) => f.command === 'CONNECTED', 'CONNECTED'));
    await rawSubscribe(raw, 'a', '/topic/e');
    await withReceipt(raw, 'UNSUBSCRIBE', { id: 'a' });
    raw.send('DISCONNECT', { receipt: 'bye' });
    await raw.ws.waitForClose();
    const events = await eventsOf(id);
    assert.deepEqual(
      events.map((e) => `${e.name} ${e.detail}`.trim()),
      ['connect', 'connected', 'subscribe a /topic/e', 'unsubscribe a /topic/e', 'disconnect 1000'],
    );
  });

  test('ended by an ERROR: disconnect once, with the ERROR close code', async () => {
    const raw = await rawSession(started.running(), started.resources);
    const id = sessionIdOf(await raw.frames.waitFor((f) => f.command === 'CONNECTED', 'CONNECTED'));
    await rawSubscribe(raw, 'a', '/topic/e');
    raw.send('SEND', { destination: '/nowhere' });
    await raw.frames.waitFor((f) => f.command === 'ERROR', 'the ERROR');
    const events = await eventsOf(id);
    assert.deepEqual(
      events.map((e) => `${e.name} ${e.detail}`.trim()),
      ['connect', 'connected', 'subscribe a /topic/e', 'disconnect 1002'],
    );
  });

  test('the client vanished (socket terminated): disconnect once, subscriptions gone', async () => {
    const running = started.running();
    const subscriptionsBefore = running.stomp.stats().subscriptions;
    const raw = await rawSession(running, started.resources);
    const id = sessionIdOf(await raw.frames.waitFor((f) => f.command === 'CONNECTED', 'CONNECTED'));
    await rawSubscribe(raw, 'a', '/topic/e');
    await rawSubscribe(raw, 'b', '/queue/e');
    raw.ws.terminate();
    const events = await eventsOf(id);
    assert.deepEqual(
      events.map((e) => e.name),
      ['connect', 'connected', 'subscribe', 'subscribe', 'disconnect'],
    );
    assert.notEqual(events.at(-1)?.detail, '1000', 'not a clean close');
    assert.equal(running.stomp.stats().subscriptions, subscriptionsBefore);
  });

  test('a refused CONNECT (no common version): connect and disconnect, no connected', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    const before = seen.mark();
    raw.send('CONNECT', { 'accept-version': '9.9', host: 'localhost' });
    await raw.expectError('no common version');
    const connect = await seen.waitFor((e) => e.name === 'connect', 'the connect event', undefined, before);
    const events = await eventsOf(connect.session);
    assert.deepEqual(
      events.map((e) => `${e.name} ${e.detail}`.trim()),
      ['connect', 'disconnect 1002'],
    );
  });

  test('over SockJS xhr-streaming: the same events once each', async () => {
    const session = await StompjsSession.connect(started.running(), 'xhr-streaming', started.resources);
    const id = session.connectedFrame?.headers.session ?? '';
    await session.subscribed('/topic/e');
    await session.client.deactivate();
    const events = await eventsOf(id);
    assert.deepEqual(
      events.map((e) => e.name),
      ['connect', 'connected', 'subscribe', 'disconnect'],
    );
    assert.equal(events.at(-1)?.detail, '1000');
  });
});
