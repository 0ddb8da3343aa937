/**
 * Every protocol error ends the one session: an ERROR frame with a `message` header (and
 * `receipt-id` when the failing frame asked for a receipt), then the close with STOMP_ERROR_CLOSE.
 * After each, the canary: another session on the same server connects, subscribes, sends and
 * receives. Limits are configured small so that they are reached in a few frames.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STOMP_ERROR_CLOSE } from '../../server/stomp';
import { headerValue, RawStomp, useStompServer, type StompTestServer } from '../support/stomp';
import { canary, connected, connectText, SockJsStomp, unique } from './protocol-support';

const LIMITS = {
  maxFrameBytes: 1024,
  maxHeaders: 8,
  maxSubscriptionsPerSession: 2,
  maxTransactionsPerSession: 2,
  maxFramesPerTransaction: 2,
} as const;

const started = useStompServer({ heartBeat: [0, 0], ...LIMITS });

/** The session's ERROR (its message matching `pattern`) and the close; then the canary. */
async function failsWith(raw: RawStomp, pattern: RegExp, receipt?: string): Promise<void> {
  const { error, close } = await raw.expectError(String(pattern));
  assert.match(headerValue(error, 'message') ?? '(no message header)', pattern);
  assert.equal(headerValue(error, 'receipt-id'), receipt);
  assert.deepEqual(close, STOMP_ERROR_CLOSE);
  await canary(started.running(), started.resources);
}

async function session(version = '1.2'): Promise<RawStomp> {
  const running: StompTestServer = started.running();
  if (version === '1.2') return connected(running, started.resources);
  const raw = await RawStomp.open(running.wsUrl, started.resources, [`v${version.replace('.', '')}.stomp`]);
  raw.sendRaw(connectText({ 'accept-version': version, host: 'localhost' }));
  assert.equal(headerValue(await raw.expect('CONNECTED'), 'version'), version);
  raw.version = version as '1.0' | '1.1';
  return raw;
}

describe('the session state', () => {
  test('a frame before CONNECT: ERROR, then the close', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    raw.send('SEND', { destination: '/topic/x' }, 'too early');
    await failsWith(raw, /Expected a CONNECT frame first/);
  });

  test('a CONNECT with a malformed heart-beat', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    raw.sendRaw(connectText({ 'accept-version': '1.2', host: 'localhost', 'heart-beat': 'soon,never' }));
    await failsWith(raw, /heart-beat/);
  });

  test('a second CONNECT', async () => {
    const raw = await session();
    raw.sendRaw(connectText({ 'accept-version': '1.2', host: 'localhost' }));
    await failsWith(raw, /Already connected/);
  });

  test('a second STOMP', async () => {
    const raw = await session();
    raw.sendRaw(connectText({ 'accept-version': '1.2', host: 'localhost' }, 'STOMP'));
    await failsWith(raw, /Already connected/);
  });

  test('an unknown command', async () => {
    const raw = await session();
    raw.sendRaw('HELLO\n\n\0');
    await failsWith(raw, /Unknown STOMP command/);
  });

  test('a server command from the client', async () => {
    const raw = await session();
    raw.sendRaw('MESSAGE\ndestination:/topic/x\n\n\0');
    await failsWith(raw, /Unknown STOMP command/);
  });

  test('over raw SockJS: ERROR, then the SockJS close frame with STOMP_ERROR_CLOSE', async () => {
    const sockjs = await SockJsStomp.open(started.running(), started.resources);
    sockjs.send('SUBSCRIBE\nid:0\ndestination:/topic/x\n\n\0');
    const error = await sockjs.next('the ERROR');
    assert.equal(error.command, 'ERROR');
    assert.match(headerValue(error, 'message') ?? '', /Expected a CONNECT frame first/);
    const close = await sockjs.closeFrames.waitFor(() => true, 'the SockJS close frame');
    assert.equal(close, `c${JSON.stringify([STOMP_ERROR_CLOSE.code, STOMP_ERROR_CLOSE.reason])}`);
    await canary(started.running(), started.resources);
  });
});

describe('missing headers: the ERROR names the header', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['SEND', {}, 'destination'],
    ['SUBSCRIBE', { id: '0' }, 'destination'],
    ['SUBSCRIBE', { destination: '/topic/x' }, 'id'],
    ['UNSUBSCRIBE', {}, 'id'],
    ['ACK', {}, 'id'],
    ['NACK', {}, 'id'],
    ['BEGIN', {}, 'transaction'],
    ['COMMIT', {}, 'transaction'],
    ['ABORT', {}, 'transaction'],
  ];
  for (const [command, headers, missing] of cases) {
    test(`${command} without ${missing}`, async () => {
      const raw = await session();
      raw.send(command as 'SEND', headers);
      await failsWith(raw, new RegExp(`Missing STOMP header: ${command} needs a "${missing}" header`));
    });
  }

  test('1.1: ACK without subscription', async () => {
    const raw = await session('1.1');
    raw.sendRaw('ACK\nmessage-id:1\n\n\0');
    await failsWith(raw, /"subscription"/);
  });

  test('1.0: ACK without message-id', async () => {
    const raw = await session('1.0');
    raw.sendRaw('ACK\n\n\0');
    await failsWith(raw, /"message-id"/);
  });
});

describe('frames the decoder refuses', () => {
  test('a bad escape (\\t in 1.2)', async () => {
    const raw = await session();
    raw.sendRaw('SEND\ndestination:/topic/x\nx-bad:a\\tb\n\n\0');
    await failsWith(raw, /Bad STOMP header escape/);
  });

  test('1.1: a \\r escape (only 1.2 has it)', async () => {
    const raw = await session('1.1');
    raw.sendRaw('SEND\ndestination:/topic/x\nx-bad:a\\rb\n\n\0');
    await failsWith(raw, /Bad STOMP header escape/);
  });

  test('a content-length that does not match the body', async () => {
    const raw = await session();
    raw.sendRaw('SEND\ndestination:/topic/x\ncontent-length:2\n\nabc\0');
    await failsWith(raw, /content-length/);
  });

  test(`a frame over maxFrameBytes (${LIMITS.maxFrameBytes})`, async () => {
    const raw = await session();
    raw.sendRaw(`SEND\ndestination:/topic/x\n\n${'x'.repeat(LIMITS.maxFrameBytes)}\0`);
    await failsWith(raw, /STOMP frame too large/);
  });

  test(`a frame over maxFrameBytes split in chunks`, async () => {
    const raw = await session();
    raw.sendRaw('SEND\ndestination:/topic/x\n\n');
    for (let i = 0; i < 4; i++) raw.sendRaw('y'.repeat(LIMITS.maxFrameBytes / 2));
    await failsWith(raw, /STOMP frame too large/);
  });

  test(`more than maxHeaders (${LIMITS.maxHeaders}) headers`, async () => {
    const raw = await session();
    const headers = Array.from({ length: LIMITS.maxHeaders + 1 }, (_, i) => `x-${i}:${i}\n`).join('');
    raw.sendRaw(`SEND\ndestination:/topic/x\n${headers}\n\0`);
    await failsWith(raw, /Too many STOMP headers/);
  });

  test('a header line without a colon', async () => {
    const raw = await session();
    raw.sendRaw('SEND\ndestination:/topic/x\nno colon here\n\n\0');
    await failsWith(raw, /Malformed STOMP frame/);
  });
});

describe('a failing frame that asked for a receipt: the ERROR carries receipt-id', () => {
  test('SEND without destination, receipt r1', async () => {
    const raw = await session();
    raw.send('SEND', { receipt: 'r1' });
    await failsWith(raw, /"destination"/, 'r1');
  });

  test('SEND to a destination nobody serves, receipt r2', async () => {
    const raw = await session();
    raw.send('SEND', { destination: '/nowhere/x', receipt: 'r2' });
    await failsWith(raw, /Bad STOMP destination/, 'r2');
  });

  test('a SEND a transaction cannot apply fails as it is enlisted, not at COMMIT', async () => {
    const raw = await session();
    raw.send('BEGIN', { transaction: 't' });
    raw.send('SEND', { destination: '/nowhere/x', transaction: 't', receipt: 'enlisted' });
    await failsWith(raw, /Bad STOMP destination/, 'enlisted');
  });

  test('an ACK without its id fails as it is enlisted', async () => {
    const raw = await session();
    raw.send('BEGIN', { transaction: 't' });
    raw.send('ACK', { transaction: 't', receipt: 'a1' });
    await failsWith(raw, /"id"/, 'a1');
  });

  test('a receipt id is written on one line even if it held an escaped newline', async () => {
    const raw = await session();
    raw.sendRaw('UNSUBSCRIBE\nid:nope\nreceipt:a\\nb\n\n\0');
    await failsWith(raw, /no subscription "nope"/, 'a b');
  });
});

describe('limits and bookkeeping', () => {
  test('maxSubscriptionsPerSession', async () => {
    const raw = await session();
    for (let i = 0; i <= LIMITS.maxSubscriptionsPerSession; i++) {
      raw.send('SUBSCRIBE', { id: `s${i}`, destination: `/topic/${unique('lim')}` });
    }
    await failsWith(raw, /maxSubscriptionsPerSession/);
  });

  test('maxTransactionsPerSession', async () => {
    const raw = await session();
    for (let i = 0; i <= LIMITS.maxTransactionsPerSession; i++) raw.send('BEGIN', { transaction: `t${i}` });
    await failsWith(raw, /maxTransactionsPerSession/);
  });

  test('maxFramesPerTransaction', async () => {
    const raw = await session();
    raw.send('BEGIN', { transaction: 't' });
    for (let i = 0; i <= LIMITS.maxFramesPerTransaction; i++) {
      raw.send('SEND', { destination: '/topic/x', transaction: 't' }, `${i}`);
    }
    await failsWith(raw, /maxFramesPerTransaction/);
  });

  test('a closed transaction frees its slot (no limit reached after COMMIT and ABORT)', async () => {
    const raw = await session();
    for (let i = 0; i < LIMITS.maxTransactionsPerSession * 2; i++) {
      raw.send('BEGIN', { transaction: `t${i}` });
      raw.send(i % 2 ? 'COMMIT' : 'ABORT', { transaction: `t${i}`, receipt: `r${i}` });
      assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), `r${i}`);
    }
  });

  test('a duplicate subscription id', async () => {
    const raw = await session();
    raw.send('SUBSCRIBE', { id: 'same', destination: '/topic/a' });
    raw.send('SUBSCRIBE', { id: 'same', destination: '/topic/b' });
    await failsWith(raw, /"same" is in use/);
  });

  test('UNSUBSCRIBE of an unknown id', async () => {
    const raw = await session();
    raw.send('UNSUBSCRIBE', { id: 'never' });
    await failsWith(raw, /no subscription "never"/);
  });

  test('ACK of an unknown id', async () => {
    const raw = await session();
    raw.send('ACK', { id: 'no-such-ack' });
    await failsWith(raw, /Bad STOMP acknowledgement/);
  });

  test('ACK twice of the same message', async () => {
    const raw = await session();
    const topic = `/topic/${unique('ack')}`;
    raw.send('SUBSCRIBE', { id: 's', destination: topic, ack: 'client-individual' });
    raw.send('SEND', { destination: topic }, 'once');
    const ack = headerValue(await raw.expect('MESSAGE'), 'ack') ?? '';
    raw.send('ACK', { id: ack, receipt: 'first' });
    await raw.expect('RECEIPT');
    raw.send('ACK', { id: ack });
    await failsWith(raw, /Bad STOMP acknowledgement/);
  });

  test('COMMIT of a transaction never begun', async () => {
    const raw = await session();
    raw.send('COMMIT', { transaction: 'ghost' });
    await failsWith(raw, /no transaction "ghost"/);
  });

  test('BEGIN twice', async () => {
    const raw = await session();
    raw.send('BEGIN', { transaction: 't' });
    raw.send('BEGIN', { transaction: 't' });
    await failsWith(raw, /has begun already/);
  });

  test('NACK in STOMP 1.0', async () => {
    const raw = await session('1.0');
    raw.sendRaw('NACK\nmessage-id:1\n\n\0');
    await failsWith(raw, /NACK is not part of STOMP 1.0/);
  });

  test('an ack mode that does not exist', async () => {
    const raw = await session();
    raw.send('SUBSCRIBE', { id: 's', destination: '/topic/x', ack: 'sometimes' });
    await failsWith(raw, /ack "sometimes"/);
  });

  test('stats().errors counts the ERROR frames', async () => {
    const { stomp } = started.running();
    const before = stomp.stats().errors;
    const raw = await session();
    raw.sendRaw('HELLO\n\n\0');
    await failsWith(raw, /Unknown STOMP command/);
    assert.equal(stomp.stats().errors, before + 1);
  });
});
