/**
 * The STOMP demo services of `npm start` (cli/stomp-services.ts, mounted by demo/stomp-demo.ts) over
 * real HTTP, with @stomp/stompjs as the client: the demo logins, the chat mappings, and `POST
 * /publish` — to a topic, to one user's sessions only, and its refusals (status and message).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startStompDemo } from '../../demo/stomp-demo';
import { useStarted } from '../support/resources';
import { headerValue, RawStomp, StompjsSession, type StompjsTransport } from '../support/stomp';

const started = useStarted(async (resources) => {
  const demo = await startStompDemo({ heartBeat: [0, 0] });
  resources.add(demo, (d) => d.close());
  return { demo, wsUrl: `${demo.baseUrl.replace('http', 'ws')}/stomp-ws`, sockjsUrl: `${demo.baseUrl}/stomp` };
});

function connectAs(
  user: string | undefined,
  transport: StompjsTransport = 'ws',
  passcode = user,
): Promise<StompjsSession> {
  const connectHeaders = user === undefined ? {} : { login: user, passcode: passcode ?? '' };
  return StompjsSession.connect(started.running(), transport, started.resources, { connectHeaders });
}

async function post(body: string, contentType = 'application/json'): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${started.running().demo.baseUrl}/publish`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: response.status, json: await response.json() };
}

describe('demo logins', () => {
  for (const transport of ['ws', 'xhr-polling'] as const) {
    test(`alice/alice over ${transport} is alice; no login is anonymous`, async () => {
      const alice = await connectAs('alice', transport);
      assert.equal(alice.connectedFrame?.headers['user-name'], 'alice');
      const anonymous = await connectAs(undefined, transport);
      assert.equal(anonymous.connectedFrame?.headers['user-name'], undefined);
    });
  }

  for (const [login, passcode] of [
    ['alice', 'bob'],
    ['bob', ''],
    ['mallory', 'mallory'],
  ] as const) {
    test(`${login}/${JSON.stringify(passcode)}: ERROR "Bad credentials", then the close`, async () => {
      const sessions = started.running().demo.stomp.stats().sessions;
      await assert.rejects(connectAs(login, 'ws', passcode), /STOMP ERROR: Refused: Bad credentials$/);
      const raw = await RawStomp.open(started.running().wsUrl, started.resources);
      raw.send('CONNECT', { 'accept-version': '1.2', host: 'localhost', login, passcode });
      const { error } = await raw.expectError('the refusal of the CONNECT');
      assert.equal(headerValue(error, 'message'), 'Refused: Bad credentials');
      assert.equal(started.running().demo.stomp.stats().sessions, sessions, 'no STOMP session was opened');
    });
  }
});

describe('chat mappings', () => {
  test('/app/chat.{room} comes back on /topic/chat.{room} stamped with the sender', async () => {
    const bob = await connectAs('bob');
    const alice = await connectAs('alice');
    await bob.subscribed('/topic/chat.lobby');
    await alice.publishWithReceipt('/app/chat.lobby', JSON.stringify({ text: 'hi bob', from: 'forged' }), {
      'content-type': 'application/json',
    });
    const line = await bob.messages.waitFor(() => true, 'the room message');
    assert.equal(line.headers.destination, '/topic/chat.lobby');
    const { from, text, at } = JSON.parse(line.body) as Record<string, string>;
    assert.deepEqual({ from, text }, { from: 'alice', text: 'hi bob' }, 'the sender is the session user, not the body');
    assert.ok(!Number.isNaN(Date.parse(at ?? '')), `at is a date: ${String(at)}`);
  });

  test('/app/private reaches the addressee only', async () => {
    const alice = await connectAs('alice');
    const bob = await connectAs('bob');
    const anonymous = await connectAs(undefined);
    for (const session of [alice, bob, anonymous]) await session.subscribed('/user/queue/private');
    await bob.publishWithReceipt('/app/private', JSON.stringify({ to: 'alice', text: 'psst' }), {
      'content-type': 'application/json',
    });
    const got = await alice.messages.waitFor(() => true, 'the private message');
    assert.equal(got.headers.destination, '/user/queue/private');
    assert.deepEqual(
      { ...(JSON.parse(got.body) as Record<string, unknown>), at: undefined },
      { from: 'bob', to: 'alice', text: 'psst', at: undefined },
    );
    // Sent before bob's receipt: a receipt on each other connection now comes after anything it got.
    for (const session of [bob, anonymous]) {
      await session.subscribed('/topic/barrier');
      assert.equal(session.messages.items.length, 0, 'not alice: nothing');
    }
  });
});

describe('POST /publish', () => {
  test('to a topic: the subscriber gets it, the answer says reached 1', async () => {
    const session = await connectAs(undefined, 'xhr-polling');
    await session.subscribed('/topic/news');
    const { status, json } = await post(JSON.stringify({ destination: '/topic/news', payload: { headline: 'hi' } }));
    assert.deepEqual({ status, json }, { status: 200, json: { reached: 1 } });
    const message = await session.messages.waitFor(() => true, 'the published message');
    assert.equal(message.headers.destination, '/topic/news');
    assert.deepEqual(JSON.parse(message.body), { headline: 'hi' });
    assert.equal(message.headers['content-type'], 'application/json');
  });

  test('with user: every session of that user, nobody else', async () => {
    const tabs = [await connectAs('bob'), await connectAs('bob', 'xhr-polling')];
    const alice = await connectAs('alice');
    const anonymous = await connectAs(undefined);
    for (const session of [...tabs, alice, anonymous]) await session.subscribed('/user/queue/alerts');
    const { status, json } = await post(JSON.stringify({ destination: '/queue/alerts', payload: 'up', user: 'bob' }));
    assert.deepEqual({ status, json }, { status: 200, json: { reached: 2 } });
    for (const tab of tabs) {
      const message = await tab.messages.waitFor(() => true, "bob's alert");
      assert.equal(message.body, 'up');
      assert.equal(message.headers.destination, '/user/queue/alerts');
    }
    // Sent before the answer came; a receipt on each other connection now comes after anything it got.
    for (const session of [alice, anonymous]) {
      await session.subscribed('/topic/barrier');
      assert.equal(session.messages.items.length, 0, 'not bob: nothing');
    }
  });

  for (const [what, body, message] of [
    ['bad JSON', '{"destination":', /^the body is not JSON$/],
    ['no destination', JSON.stringify({ payload: 1 }), /"destination" must be a non-empty string/],
    ['a non-string destination', JSON.stringify({ destination: 7 }), /"destination" must be a non-empty string/],
    [
      'an /app destination',
      JSON.stringify({ destination: '/app/echo' }),
      /\/app\/echo is not a broker or user destination/,
    ],
    [
      'a bad user',
      JSON.stringify({ destination: '/queue/x', user: 5 }),
      /"user", when given, must be a non-empty string/,
    ],
    ['a user destination not under /', JSON.stringify({ destination: 'queue/x', user: 'bob' }), /must start with "\/"/],
  ] as const) {
    test(`${what}: 400 with the reason`, async () => {
      const { status, json } = await post(body);
      assert.equal(status, 400);
      assert.match((json as { error: string }).error, message);
    });
  }

  test('not JSON: 415; not POST: 405; too large: 413', async () => {
    assert.equal((await post('{}', 'text/plain')).status, 415);
    const get = await fetch(`${started.running().demo.baseUrl}/publish`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const huge = JSON.stringify({ destination: '/topic/x', payload: 'x'.repeat(70_000) });
    const { status, json } = await post(huge);
    assert.deepEqual({ status, json }, { status: 413, json: { error: 'the body is larger than 65536 bytes' } });
  });
});
