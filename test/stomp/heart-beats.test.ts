/**
 * STOMP heart-beats with small timers: the server's `\n` on a quiet line; no SockJS `h` frames while
 * STOMP heart-beats keep the line alive, but `h` frames for a session that agreed 0,0; a silent
 * client closed with ERROR after about tolerance × interval (and counted); a 1.0 session without
 * heart-beats. And the connect timeout: a session that never sends CONNECT.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STOMP_ERROR_CLOSE } from '../../server/stomp';
import { headerValue, RawStomp, useStompServer } from '../support/stomp';
import { until } from '../support/wait';
import { canary, connectText, SockJsStomp } from './protocol-support';

const INTERVAL = 100;
/** The endpoint's SockJS heartbeat delay: shorter than INTERVAL, so that an `h` frame would show. */
const SOCKJS_HEARTBEAT = 50;

describe('heart-beats', () => {
  const started = useStompServer({ heartBeat: [INTERVAL, INTERVAL] }, undefined, {
    heartbeatDelay: SOCKJS_HEARTBEAT,
  });

  test('the server sends EOLs on a quiet line at the agreed interval', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    // 0,100: the client sends none (so the server watches nothing), wants one every 100 ms.
    const frame = await raw.connect({ 'heart-beat': `0,${INTERVAL}` });
    assert.equal(headerValue(frame, 'heart-beat'), `${INTERVAL},${INTERVAL}`);
    const start = Date.now();
    await until(() => raw.heartBeats >= 3, 'three heart-beats', 3000);
    // Three beats at 100 ms each can not come much sooner than 300 ms (timers are never early).
    assert.ok(Date.now() - start >= 3 * INTERVAL - 20, `3 beats within ${Date.now() - start} ms`);
  });

  test('a client heart-beat slower than ours is what the server keeps to', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    await raw.connect({ 'heart-beat': `0,${INTERVAL * 3}` });
    const start = Date.now();
    await until(() => raw.heartBeats >= 1, 'one heart-beat', 3000);
    assert.ok(Date.now() - start >= INTERVAL * 3 - 20, `a beat after ${Date.now() - start} ms`);
  });

  test('raw SockJS: no SockJS h frames while STOMP heart-beats are on', async () => {
    const sockjs = await SockJsStomp.open(started.running(), started.resources);
    sockjs.send(connectText({ 'accept-version': '1.2', host: 'localhost', 'heart-beat': `0,${INTERVAL}` }));
    assert.equal((await sockjs.next('CONNECTED')).command, 'CONNECTED');
    const hBefore = sockjs.sockjsHeartbeats.mark();
    await sockjs.stompHeartBeats.waitForCount(4, 'four STOMP heart-beats', 3000);
    assert.equal(sockjs.sockjsHeartbeats.mark() - hBefore, 0, 'SockJS h frames beside STOMP heart-beats');
  });

  test('raw SockJS: h frames for a session whose STOMP heart-beats are 0,0', async () => {
    const sockjs = await SockJsStomp.open(started.running(), started.resources);
    sockjs.send(connectText({ 'accept-version': '1.2', host: 'localhost', 'heart-beat': '0,0' }));
    assert.equal(headerValue(await sockjs.next('CONNECTED'), 'heart-beat'), `${INTERVAL},${INTERVAL}`);
    const hBefore = sockjs.sockjsHeartbeats.mark();
    await sockjs.sockjsHeartbeats.waitForCount(hBefore + 2, 'two SockJS h frames', 3000);
    assert.equal(sockjs.stompHeartBeats.mark(), 0, 'no STOMP heart-beats were agreed');
  });

  test('a client that stops sending is closed with ERROR after about tolerance × interval', async () => {
    const { stomp, wsUrl } = started.running();
    const timeoutsBefore = stomp.stats().heartBeatTimeouts;
    const raw = await RawStomp.open(wsUrl, started.resources);
    // 100,0: the client promises a beat every 100 ms and never sends one.
    await raw.connect({ 'heart-beat': `${INTERVAL},0` });
    const start = Date.now();
    const { error, close } = await raw.expectError('the heart-beat timeout');
    const waited = Date.now() - start;
    assert.match(headerValue(error, 'message') ?? '', /^Heart-beat missed: nothing from the client for \d+ ms/);
    assert.deepEqual(close, STOMP_ERROR_CLOSE);
    // Default tolerance 2: closed after 2 intervals, not after one, and not long after.
    assert.ok(waited >= 2 * INTERVAL - 20 && waited < 2000, `closed after ${waited} ms`);
    assert.equal(raw.heartBeats, 0, 'the client asked for none');
    assert.equal(stomp.stats().heartBeatTimeouts, timeoutsBefore + 1);
    await canary(started.running(), started.resources);
  });

  test('a client that beats stays connected past the timeout', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    await raw.connect({ 'heart-beat': `${INTERVAL},${INTERVAL}` });
    // The server's beats are the clock: each one answered, for six intervals (three timeouts' worth).
    for (let beat = 1; beat <= 6; beat++) {
      await until(() => raw.heartBeats >= beat, `server beat ${beat}`, 3000);
      raw.sendRaw('\n');
    }
    raw.send('SEND', { destination: '/topic/hb', receipt: 'still-here' });
    assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), 'still-here');
  });

  test('raw SockJS: a client beating with ["\\n"] stays; once it stops, ERROR and the SockJS close', async () => {
    const sockjs = await SockJsStomp.open(started.running(), started.resources);
    sockjs.send(connectText({ 'accept-version': '1.2', host: 'localhost', 'heart-beat': `${INTERVAL},${INTERVAL}` }));
    assert.equal((await sockjs.next('CONNECTED')).command, 'CONNECTED');
    for (let beat = 1; beat <= 4; beat++) {
      await sockjs.stompHeartBeats.waitForCount(beat, `server beat ${beat}`, 3000);
      sockjs.send('\n');
    }
    const error = await sockjs.next('the heart-beat timeout ERROR', 3000);
    assert.equal(error.command, 'ERROR');
    assert.match(headerValue(error, 'message') ?? '', /^Heart-beat missed/);
    assert.ok(sockjs.stompHeartBeats.mark() >= 4);
    const close = await sockjs.closeFrames.waitFor(() => true, 'the SockJS close frame');
    assert.equal(close, `c${JSON.stringify([STOMP_ERROR_CLOSE.code, STOMP_ERROR_CLOSE.reason])}`);
    await canary(started.running(), started.resources);
  });

  test('a 1.0 session gets no heart-beats and is not watched', async () => {
    const running = started.running();
    const old = await RawStomp.open(running.wsUrl, started.resources, ['v10.stomp']);
    old.sendRaw(connectText({ 'accept-version': '1.0', host: 'localhost', 'heart-beat': `${INTERVAL},${INTERVAL}` }));
    const frame = await old.expect('CONNECTED');
    assert.equal(headerValue(frame, 'version'), '1.0');
    assert.equal(headerValue(frame, 'heart-beat'), undefined);
    // A 1.2 session with heart-beats is the clock: four of its intervals pass.
    const clock = await RawStomp.open(running.wsUrl, started.resources);
    await clock.connect({ 'heart-beat': `0,${INTERVAL}` });
    await until(() => clock.heartBeats >= 4, 'four beats on the 1.2 session', 3000);
    assert.equal(old.heartBeats, 0, 'heart-beats sent to a 1.0 session');
    old.sendRaw('SEND\ndestination:/topic/hb\nreceipt:old\n\n\0');
    assert.equal(headerValue(await old.expect('RECEIPT', 'the 1.0 receipt'), 'receipt-id'), 'old');
  });
});

describe('connect timeout', () => {
  const CONNECT_TIMEOUT = 150;
  const started = useStompServer({ connectTimeout: CONNECT_TIMEOUT, heartBeat: [0, 0] });

  test('a session that never sends CONNECT gets ERROR, then the close', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    const start = Date.now();
    const { error, close } = await raw.expectError('the connect timeout');
    assert.ok(Date.now() - start >= CONNECT_TIMEOUT - 50, `after ${Date.now() - start} ms`);
    assert.match(headerValue(error, 'message') ?? '', /No CONNECT frame in time/);
    assert.deepEqual(close, STOMP_ERROR_CLOSE);
    await canary(started.running(), started.resources);
  });

  test('a CONNECT in time stops the timer', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    await raw.connect();
    const clock = await RawStomp.open(started.running().wsUrl, started.resources);
    // The clock session's own timeout is the witness that CONNECT_TIMEOUT has passed.
    await clock.expectError('the clock session timing out');
    raw.send('SEND', { destination: '/topic/ct', receipt: 'alive' });
    assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), 'alive');
  });
});
