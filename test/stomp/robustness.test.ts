/**
 * The STOMP session where it is easy to get wrong (found in review): STOMP 1.0 acks shared by two
 * subscriptions, the user fixed at CONNECTED, heart-beats behind a slow handler, receipts and ERROR
 * frames that cannot be written, a CONNECTED that cannot be, a dropped CONNECT or DISCONNECT,
 * subscription ids a version cannot write back, transaction bytes, and what listeners see.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordingLogger } from '../support/logger';
import { Resources } from '../support/resources';
import { headerValue, RawStomp, startStompServer, useStompServer } from '../support/stomp';
import { rawSession, unique, withReceipt } from '../support/stomp-e2e';
import { delay, until } from '../support/wait';

/** Resources closed when test `t` ends. */
function local(t: { after: (fn: () => Promise<void>) => void }): Resources {
  const resources = new Resources();
  t.after(() => resources.closeAll());
  return resources;
}

describe('STOMP 1.0: two client-ack subscriptions of one session get the same message-id', () => {
  const started = useStompServer({ heartBeat: [0, 0] });

  test('one ACK per delivery settles each, oldest first; nothing is left pending', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    raw.version = '1.0';
    await raw.connect({ 'accept-version': '1.0' });
    const topic = `/topic/${unique('one')}`;
    raw.send('SUBSCRIBE', { id: 'exact', destination: topic, ack: 'client' });
    raw.send('SUBSCRIBE', { id: 'pattern', destination: '/topic/*', ack: 'client' });
    await withReceipt(raw, 'SEND', { destination: topic }, 'x');
    await until(() => raw.frames.items.filter((f) => f.command === 'MESSAGE').length === 2, 'both deliveries');
    const ids = raw.frames.items.filter((f) => f.command === 'MESSAGE').map((f) => headerValue(f, 'message-id'));
    assert.equal(ids[0], ids[1], 'one message, one message-id');
    await withReceipt(raw, 'ACK', { 'message-id': ids[0] ?? '' });
    await withReceipt(raw, 'ACK', { 'message-id': ids[0] ?? '' });
    raw.send('ACK', { 'message-id': ids[0] ?? '', receipt: 'third' });
    const error = await raw.frames.waitFor((f) => f.command === 'ERROR', 'a third ACK names nothing pending');
    assert.match(headerValue(error, 'message') ?? '', /no unacknowledged message/);
  });
});

describe('the user is fixed once CONNECTED', () => {
  const logins = new Map([
    ['alice', 'a'],
    ['bob', 'b'],
  ]);
  const started = useStompServer({
    heartBeat: [0, 0],
    interceptors: [
      {
        inbound(frame, context) {
          if (frame.command !== 'CONNECT') return undefined;
          const login = headerValue(frame, 'login');
          if (login !== undefined && logins.get(login) === headerValue(frame, 'passcode')) context.setUser(login);
          return undefined;
        },
      },
    ],
  });

  test('a second CONNECT cannot change it, and the registry forgets the session under its own name', async () => {
    const { stomp } = started.running();
    const raw = await rawSession(started.running(), started.resources, { login: 'alice', passcode: 'a' });
    assert.deepEqual(
      stomp.sessionsOf('alice').map((s) => s.user?.name),
      ['alice'],
    );
    raw.send('CONNECT', { 'accept-version': '1.2', login: 'bob', passcode: 'b' });
    const error = await raw.expect('ERROR', 'a second CONNECT');
    assert.match(headerValue(error, 'message') ?? '', /can only be set on CONNECT|Already connected/);
    await raw.ws.waitForClose('the close');
    await until(() => stomp.sessionsOf('alice').length === 0, 'alice has no session left');
    assert.deepEqual(stomp.users(), []);
  });
});

describe('heart-beats behind a slow handler', () => {
  const started = useStompServer({ heartBeat: [50, 50] }, (stomp) => {
    stomp.messageMapping('/slow', async () => {
      await delay(400); // longer than heartBeatTolerance × 50 ms, on purpose
      return 'done';
    });
  });

  test('a client that beats while its SEND is handled is not taken for dead', async () => {
    const raw = await rawSession(started.running(), started.resources, { 'heart-beat': '50,50' });
    const beating = setInterval(() => raw.sendRaw('\n'), 25);
    try {
      await withReceipt(raw, 'SUBSCRIBE', { id: 's', destination: '/topic/slow' });
      raw.send('SEND', { destination: '/app/slow', receipt: 'slow' });
      const receipt = await raw.frames.waitFor(
        (f) => f.command === 'RECEIPT' || f.command === 'ERROR',
        'the slow SEND handled',
        5000,
      );
      assert.equal(receipt.command, 'RECEIPT', `got ${receipt.command}: ${headerValue(receipt, 'message') ?? ''}`);
      assert.equal(started.running().stomp.stats().heartBeatTimeouts, 0);
    } finally {
      clearInterval(beating);
    }
  });
});

describe('frames that cannot be written', () => {
  test('a 1.1 receipt id with a raw CR (every frame async, an inbound interceptor): an ERROR, not 1011', async (t) => {
    const server = await startStompServer({ heartBeat: [0, 0], interceptors: [{ inbound: async () => undefined }] });
    t.after(() => server.http.close());
    const raw = await RawStomp.open(server.wsUrl, local(t));
    raw.version = '1.1';
    await raw.connect({ 'accept-version': '1.1' });
    raw.sendRaw('SEND\ndestination:/topic/a\nreceipt:r\r1\n\n\0');
    const error = await raw.expect('ERROR', 'the ERROR for an unwritable receipt');
    assert.ok(headerValue(error, 'message'));
    const close = await raw.ws.waitForClose('the close');
    assert.equal(close.code, 1002);
  });

  test('an outbound interceptor that breaks frames fails neither the publisher nor other subscribers', async (t) => {
    const logger = new RecordingLogger();
    const server = await startStompServer({
      heartBeat: [0, 0],
      logger,
      interceptors: [
        {
          outbound(frame, session) {
            if (frame.command !== 'MESSAGE' || session.attributes.get('broken') !== true) return undefined;
            return { ...frame, headers: [...frame.headers, ['content-length', '1']] };
          },
        },
      ],
    });
    t.after(() => server.http.close());
    const resources = local(t);
    const broken = await rawSession(server, resources);
    const fine = await rawSession(server, resources);
    const publisher = await rawSession(server, resources);
    const brokenSession = [...server.stomp.sessions.values()][0];
    brokenSession?.attributes.set('broken', true);
    const topic = `/topic/${unique('b')}`;
    await withReceipt(broken, 'SUBSCRIBE', { id: 's', destination: topic });
    await withReceipt(fine, 'SUBSCRIBE', { id: 's', destination: topic });
    await withReceipt(publisher, 'SEND', { destination: topic }, 'payload');
    const got = await fine.frames.waitFor((f) => f.command === 'MESSAGE', 'the fine subscriber');
    assert.equal(got.body, 'payload');
    assert.equal(publisher.ws.isClosed, false, 'the publisher was not failed');
    await logger.waitFor((entry) => /not writable/.test(entry.msg ?? ''), 'the warning');
  });

  test('a user name CONNECTED cannot carry: an ERROR, and the session count stays right', async (t) => {
    const server = await startStompServer({ heartBeat: [0, 0] }, undefined, {
      principal: () => ({ name: 'line\nbreak' }),
    });
    t.after(() => server.http.close());
    const raw = await RawStomp.open(server.wsUrl, local(t));
    raw.send('CONNECT', { 'accept-version': '1.2' });
    await raw.expect('ERROR', 'CONNECTED cannot be written');
    await raw.ws.waitForClose('the close');
    await until(() => server.stomp.stats().disconnects === 1, 'the disconnect');
    assert.equal(server.stomp.stats().sessions, 0);
  });
});

describe('dropped CONNECT and DISCONNECT', () => {
  const started = useStompServer({
    heartBeat: [0, 0],
    connectTimeout: 300,
    interceptors: [
      {
        inbound(frame) {
          if (frame.command === 'CONNECT' && headerValue(frame, 'drop') === 'yes') return null;
          if (frame.command === 'DISCONNECT' && headerValue(frame, 'drop') === 'yes') return null;
          return undefined;
        },
      },
    ],
  });

  test('a CONNECT an interceptor dropped leaves the connect timeout running', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    raw.send('CONNECT', { 'accept-version': '1.2', drop: 'yes' });
    const error = await raw.expect('ERROR', 'the connect timeout', 3000);
    assert.match(headerValue(error, 'message') ?? '', /No CONNECT frame in time/);
  });

  test('a DISCONNECT an interceptor dropped gets its receipt and the session goes on', async () => {
    const raw = await rawSession(started.running(), started.resources);
    raw.send('DISCONNECT', { drop: 'yes', receipt: 'kept' });
    assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), 'kept');
    await withReceipt(raw, 'SUBSCRIBE', { id: 's', destination: '/topic/still' });
  });
});

describe('subscriptions and transactions', () => {
  const started = useStompServer({ heartBeat: [0, 0], maxTransactionBytes: 10 });

  test('STOMP 1.0 UNSUBSCRIBE by destination, for a subscription made with an id', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    raw.version = '1.0';
    await raw.connect({ 'accept-version': '1.0' });
    await withReceipt(raw, 'SUBSCRIBE', { id: 'named', destination: '/topic/by-dest' });
    await withReceipt(raw, 'UNSUBSCRIBE', { destination: '/topic/by-dest' });
    assert.equal(started.running().stomp.stats().subscriptions, 0);
  });

  test('a 1.1 subscription id with a raw CR is refused at SUBSCRIBE', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    raw.version = '1.1';
    await raw.connect({ 'accept-version': '1.1' });
    raw.sendRaw('SUBSCRIBE\nid:a\rb\ndestination:/queue/jobs\n\n\0');
    const error = await raw.expect('ERROR', 'the refusal');
    assert.match(headerValue(error, 'message') ?? '', /Bad STOMP subscription/);
  });

  test('maxTransactionBytes bounds what open transactions hold', async () => {
    const raw = await rawSession(started.running(), started.resources);
    await withReceipt(raw, 'BEGIN', { transaction: 't' });
    await withReceipt(raw, 'SEND', { destination: '/topic/x', transaction: 't' }, '12345');
    raw.send('SEND', { destination: '/topic/x', transaction: 't' }, '123456');
    const error = await raw.frames.waitFor((f) => f.command === 'ERROR', 'over maxTransactionBytes');
    assert.match(headerValue(error, 'message') ?? '', /maxTransactionBytes/);
  });
});

test('the connect event does not show the passcode', async (t) => {
  const server = await startStompServer({ heartBeat: [0, 0] });
  t.after(() => server.http.close());
  const seen: Record<string, string>[] = [];
  server.stomp.on('connect', ({ headers }) => void seen.push({ ...headers }));
  const raw = await RawStomp.open(server.wsUrl, local(t));
  await raw.connect({ login: 'alice', passcode: 'secret' });
  assert.equal(seen[0]?.login, 'alice');
  assert.equal(seen[0]?.passcode, undefined);
});
