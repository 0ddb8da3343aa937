/**
 * The STOMP conversation by raw frames: CONNECT and STOMP answered with CONNECTED (version,
 * heart-beat, server, session, user-name), a RECEIPT for every frame that asks, DISCONNECT's receipt
 * after every MESSAGE caused before it, and the framing a client may use (several frames per
 * websocket message, one frame over many, CRLF, heart-beat EOLs, NUL in a body). Also STOMP text
 * over sockjs-client's xhr-polling.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectSockJs } from '../support/sockjs-client';
import { headerValue, RawStomp, useStompServer } from '../support/stomp';
import { canary, connected, connectText, SockJsStomp, unique } from './protocol-support';

const started = useStompServer({ heartBeat: [1000, 1000] }, undefined, {
  principal: (handshake) => {
    const user = new URL(handshake.req.url ?? '/', 'http://x').searchParams.get('user');
    return user ? { name: user } : undefined;
  },
});

describe('CONNECT and CONNECTED', () => {
  test('CONNECT 1.2: version, heart-beat, server, session; no user-name without a principal', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    const frame = await raw.connect({ 'heart-beat': '0,0' });
    assert.equal(headerValue(frame, 'version'), '1.2');
    assert.equal(headerValue(frame, 'heart-beat'), '1000,1000');
    assert.match(headerValue(frame, 'server') ?? '', /^sockjs-ts-server\/\d/);
    assert.ok(headerValue(frame, 'session'), 'a session header');
    assert.equal(headerValue(frame, 'user-name'), undefined);
  });

  test('STOMP (the 1.2 name of CONNECT) is answered the same', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    raw.sendRaw(connectText({ 'accept-version': '1.2', host: 'localhost' }, 'STOMP'));
    const frame = await raw.expect('CONNECTED');
    assert.equal(headerValue(frame, 'version'), '1.2');
  });

  test('each session gets its own session id', async () => {
    const { wsUrl } = started.running();
    const one = await RawStomp.open(wsUrl, started.resources);
    const two = await RawStomp.open(wsUrl, started.resources);
    assert.notEqual(headerValue(await one.connect(), 'session'), headerValue(await two.connect(), 'session'));
  });

  const negotiated: [string | undefined, string][] = [
    ['1.2', '1.2'],
    ['1.1', '1.1'],
    ['1.0', '1.0'],
    ['1.0,1.1', '1.1'],
    ['1.1,1.2,1.0', '1.2'],
    [undefined, '1.0'],
  ];
  for (const [accept, version] of negotiated) {
    test(`accept-version ${accept ?? '(missing)'} → version ${version}`, async () => {
      const raw = await RawStomp.open(started.running().wsUrl, started.resources);
      const headers: Record<string, string> = { host: 'localhost' };
      if (accept !== undefined) headers['accept-version'] = accept;
      raw.sendRaw(connectText(headers));
      const frame = await raw.expect('CONNECTED');
      assert.equal(headerValue(frame, 'version'), version);
      // STOMP 1.0 has no heart-beats; the header would mean nothing to a 1.0 client.
      assert.equal(headerValue(frame, 'heart-beat'), version === '1.0' ? undefined : '1000,1000');
    });
  }

  test('user-name: the principal the handshake gave', async () => {
    const raw = await RawStomp.open(`${started.running().wsUrl}?user=alice`, started.resources);
    const frame = await raw.connect();
    assert.equal(headerValue(frame, 'user-name'), 'alice');
  });

  test('no version in common: ERROR with a message and our versions, then the close; others go on', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources);
    raw.sendRaw(connectText({ 'accept-version': '2.0,3.1', host: 'localhost' }));
    const { error, close } = await raw.expectError('the version refusal');
    assert.match(headerValue(error, 'message') ?? '', /No STOMP version in common/);
    assert.equal(headerValue(error, 'version'), '1.2,1.1,1.0');
    assert.equal(close.code, 1002);
    await canary(started.running(), started.resources);
  });
});

describe('websocket sub-protocols', () => {
  const offers: [string, string][] = [
    ['v12.stomp', '1.2'],
    ['v11.stomp', '1.1'],
    ['v10.stomp', '1.0'],
  ];
  for (const [protocol, version] of offers) {
    test(`${protocol} offered alone is agreed`, async () => {
      const raw = await RawStomp.open(started.running().wsUrl, started.resources, [protocol]);
      assert.equal(raw.ws.socket.protocol, protocol);
      raw.sendRaw(connectText({ 'accept-version': version, host: 'localhost' }));
      assert.equal(headerValue(await raw.expect('CONNECTED'), 'version'), version);
    });
  }

  test('a client offering none (as Spring Java client) is served', async () => {
    const raw = await RawStomp.open(started.running().wsUrl, started.resources, []);
    assert.equal(raw.ws.socket.protocol, '');
    assert.equal(headerValue(await raw.connect(), 'version'), '1.2');
  });
});

describe('receipts', () => {
  test('a RECEIPT for every frame that asks, in order', async () => {
    const raw = await connected(started.running(), started.resources);
    const topic = `/topic/${unique('r')}`;
    const asks: [string, Record<string, string>][] = [
      ['SUBSCRIBE', { id: 's1', destination: topic, ack: 'client-individual' }],
      ['SEND', { destination: topic }],
      ['BEGIN', { transaction: 't1' }],
      ['SEND', { destination: topic, transaction: 't1' }],
      ['COMMIT', { transaction: 't1' }],
      ['BEGIN', { transaction: 't2' }],
      ['ABORT', { transaction: 't2' }],
    ];
    for (const [i, [command, headers]] of asks.entries()) {
      raw.send(command as 'SEND', { ...headers, receipt: `r${i}` }, 'm');
    }
    const receipts: string[] = [];
    const acks: string[] = [];
    while (receipts.length < asks.length) {
      const frame = await raw.next('receipts and messages');
      if (frame.command === 'MESSAGE') acks.push(headerValue(frame, 'ack') ?? '');
      else receipts.push(headerValue(frame, 'receipt-id') ?? `${frame.command}?`);
    }
    assert.deepEqual(
      receipts,
      asks.map((_, i) => `r${i}`),
    );
    while (acks.length < 2) acks.push(headerValue(await raw.expect('MESSAGE'), 'ack') ?? '');
    raw.send('ACK', { id: acks[0] as string, receipt: 'r-ack' });
    raw.send('NACK', { id: acks[1] as string, receipt: 'r-nack' });
    raw.send('UNSUBSCRIBE', { id: 's1', receipt: 'r-unsub' });
    raw.send('DISCONNECT', { receipt: 'r-bye' });
    for (const id of ['r-ack', 'r-nack', 'r-unsub', 'r-bye']) {
      assert.equal(headerValue(await raw.expect('RECEIPT', id), 'receipt-id'), id);
    }
    assert.equal((await raw.ws.waitForClose('the close after DISCONNECT')).code, 1000);
  });

  test('DISCONNECT: its RECEIPT follows every MESSAGE before it; then the close; later frames ignored', async () => {
    const running = started.running();
    const raw = await connected(running, started.resources);
    const observer = await connected(running, started.resources);
    const topic = `/topic/${unique('d')}`;
    const after = `/topic/${unique('after')}`;
    raw.send('SUBSCRIBE', { id: 's', destination: topic, receipt: 'sub' });
    await raw.expect('RECEIPT', 'the SUBSCRIBE receipt');
    observer.send('SUBSCRIBE', { id: 'o', destination: after, receipt: 'sub' });
    await observer.expect('RECEIPT', 'the observer SUBSCRIBE receipt');
    let text = '';
    for (let i = 0; i < 10; i++) text += `SEND\ndestination:${topic}\n\nm${i}\0`;
    text += 'DISCONNECT\nreceipt:bye\n\n\0';
    text += `SEND\ndestination:${after}\n\nafter-disconnect\0`;
    raw.sendRaw(text);
    raw.sendRaw(`SEND\ndestination:${after}\n\nafter-disconnect, a message later\0`);
    for (let i = 0; i < 10; i++) assert.equal((await raw.expect('MESSAGE', `message ${i}`)).body, `m${i}`);
    assert.equal(headerValue(await raw.expect('RECEIPT', 'the DISCONNECT receipt'), 'receipt-id'), 'bye');
    assert.equal((await raw.ws.waitForClose('the close after DISCONNECT')).code, 1000);
    observer.send('SEND', { destination: after }, 'marker');
    assert.equal((await observer.expect('MESSAGE', 'the marker')).body, 'marker', 'nothing sent after DISCONNECT');
  });
});

describe('DISCONNECT without a receipt', () => {
  test('the close (1000), nothing written before it', async () => {
    const raw = await connected(started.running(), started.resources);
    raw.send('DISCONNECT');
    assert.equal((await raw.ws.waitForClose('the close after DISCONNECT')).code, 1000);
    assert.equal(raw.frames.items.length, 1, 'only CONNECTED');
  });
});

describe('framing', () => {
  async function subscribed(raw: RawStomp): Promise<string> {
    const topic = `/topic/${unique('f')}`;
    raw.send('SUBSCRIBE', { id: 's', destination: topic, receipt: 'sub' });
    await raw.expect('RECEIPT', 'the SUBSCRIBE receipt');
    return topic;
  }

  test('several frames in one websocket message', async () => {
    const raw = await connected(started.running(), started.resources);
    const topic = await subscribed(raw);
    raw.sendRaw(`SEND\ndestination:${topic}\n\none\0SEND\ndestination:${topic}\n\ntwo\0SEND\nreceipt:r\n`);
    raw.sendRaw(`destination:${topic}\n\nthree\0`);
    assert.equal((await raw.expect('MESSAGE')).body, 'one');
    assert.equal((await raw.expect('MESSAGE')).body, 'two');
    assert.equal((await raw.expect('MESSAGE')).body, 'three');
    await raw.expect('RECEIPT');
  });

  test('one frame in 16 KiB chunks (as webstomp-client) and in 1-byte chunks', async () => {
    const raw = await connected(started.running(), started.resources);
    const topic = await subscribed(raw);
    const big = 'x'.repeat(40_000);
    const frame = `SEND\ndestination:${topic}\ncontent-type:text/plain\n\n${big}\0`;
    for (let at = 0; at < frame.length; at += 16 * 1024) raw.sendRaw(frame.slice(at, at + 16 * 1024));
    assert.equal((await raw.expect('MESSAGE', 'the 40 KB message')).body, big);
    const small = `SEND\ndestination:${topic}\nx-h:é\n\nbyte by byte\0`;
    for (const char of small) raw.sendRaw(char);
    const message = await raw.expect('MESSAGE', 'the byte-by-byte message');
    assert.equal(message.body, 'byte by byte');
    assert.equal(headerValue(message, 'x-h'), 'é');
  });

  test('CRLF line ends, heart-beat EOLs between frames', async () => {
    const raw = await connected(started.running(), started.resources);
    const topic = await subscribed(raw);
    raw.sendRaw(`\r\n\n\r\nSEND\r\ndestination:${topic}\r\nx-a:1\r\n\r\ncrlf\0\n\r\n\n`);
    raw.sendRaw('\n');
    raw.sendRaw(`SEND\ndestination:${topic}\n\nafter beats\0\r\n`);
    const first = await raw.expect('MESSAGE');
    assert.equal(first.body, 'crlf');
    assert.equal(headerValue(first, 'x-a'), '1');
    assert.equal((await raw.expect('MESSAGE')).body, 'after beats');
  });

  test('a body with NUL, framed by content-length', async () => {
    const raw = await connected(started.running(), started.resources);
    const topic = await subscribed(raw);
    const body = 'a\0b\0é';
    raw.sendRaw(`SEND\ndestination:${topic}\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\0`);
    const message = await raw.expect('MESSAGE');
    assert.equal(message.body, body);
    assert.equal(headerValue(message, 'content-length'), String(Buffer.byteLength(body)));
  });
});

describe('transactions', () => {
  test('COMMIT delivers the SENDs in order, ABORT drops them', async () => {
    const raw = await connected(started.running(), started.resources);
    const topic = `/topic/${unique('tx')}`;
    raw.send('SUBSCRIBE', { id: 's', destination: topic });
    raw.send('BEGIN', { transaction: 'keep' });
    raw.send('BEGIN', { transaction: 'drop' });
    raw.send('SEND', { destination: topic, transaction: 'keep' }, 'k1');
    raw.send('SEND', { destination: topic, transaction: 'drop' }, 'd1');
    raw.send('SEND', { destination: topic, transaction: 'keep' }, 'k2');
    raw.send('SEND', { destination: topic }, 'outside');
    raw.send('ABORT', { transaction: 'drop' });
    raw.send('COMMIT', { transaction: 'keep', receipt: 'done' });
    const bodies: string[] = [];
    for (;;) {
      const frame = await raw.next('messages, then the COMMIT receipt');
      if (frame.command === 'RECEIPT') break;
      bodies.push(frame.body);
    }
    assert.deepEqual(bodies, ['outside', 'k1', 'k2']);
  });
});

describe('over raw SockJS', () => {
  test('frames across the strings of one a[...] message, and several in one string', async () => {
    const sockjs = await SockJsStomp.open(started.running(), started.resources);
    const topic = `/topic/${unique('sj')}`;
    const connect = connectText({ 'accept-version': '1.2', host: 'localhost', 'heart-beat': '0,0' });
    const subscribe = `SUBSCRIBE\nid:0\ndestination:${topic}\n\n\0`;
    const send = `SEND\ndestination:${topic}\nreceipt:r\n\nsplit body\0`;
    sockjs.ws.send(
      JSON.stringify([connect.slice(0, 5), connect.slice(5) + subscribe, send.slice(0, 20), send.slice(20)]),
    );
    assert.equal((await sockjs.next('CONNECTED')).command, 'CONNECTED');
    const first = await sockjs.next('the message');
    assert.equal(first.command, 'MESSAGE');
    assert.equal(first.body, 'split body');
    assert.equal(headerValue(await sockjs.next('the receipt'), 'receipt-id'), 'r');
  });
});

describe('binary websocket messages', () => {
  test('UTF-8 text cut inside a character is read whole', async () => {
    const raw = await connected(started.running(), started.resources);
    const topic = `/topic/${unique('bin')}`;
    raw.send('SUBSCRIBE', { id: 's', destination: topic, receipt: 'sub' });
    await raw.expect('RECEIPT');
    const bytes = Buffer.from(`SEND\ndestination:${topic}\nx-h:\u00e9\u20ac\n\n\u{1f600} binary\0`);
    const cut = bytes.indexOf(0xe2) + 1;
    raw.ws.socket.send(bytes.subarray(0, cut), { binary: true });
    raw.ws.socket.send(bytes.subarray(cut), { binary: true });
    const message = await raw.expect('MESSAGE');
    assert.equal(headerValue(message, 'x-h'), '\u00e9\u20ac');
    assert.equal(message.body, '\u{1f600} binary');
  });
});

describe('over sockjs-client xhr-polling', () => {
  test('raw STOMP text: CONNECTED, a subscription, a message, a receipt', async () => {
    const running = started.running();
    const sock = connectSockJs(running.sockjsUrl, 'xhr-polling', started.resources);
    await sock.opened;
    const topic = `/topic/${unique('xp')}`;
    sock.sock.send(connectText({ 'accept-version': '1.1,1.2', host: 'localhost', 'heart-beat': '0,0' }));
    assert.match(await sock.message(0, 'CONNECTED'), /^CONNECTED\nversion:1\.2\n/);
    sock.sock.send(`SUBSCRIBE\nid:0\ndestination:${topic}\nreceipt:s\n\n\0`);
    assert.equal(await sock.message(1, 'the receipt'), 'RECEIPT\nreceipt-id:s\n\n\0');
    sock.sock.send(`SEND\ndestination:${topic}\n\nover polling\0`);
    const message = await sock.message(2, 'the message');
    assert.match(message, /^MESSAGE\n/);
    assert.ok(message.endsWith('\n\nover polling\0'), message);
  });
});
