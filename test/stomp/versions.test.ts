/**
 * One message, three versions: what a 1.2 client sends with `:`, `\` and newlines in its headers
 * reaches 1.2 and 1.1 subscribers escaped their way (and decodes back to the same text), and a 1.0
 * subscriber unescaped. The version also decides the SUBSCRIBE/ACK headers a session must use.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StompFrame, StompVersion } from '../../protocol';
import { headerValue, RawStomp, useStompServer } from '../support/stomp';
import { canary, connectText, unique } from './protocol-support';

const started = useStompServer({ heartBeat: [0, 0] });

/** A session of `version` over the plain websocket, its decoder set to read that version. */
async function session(version: StompVersion): Promise<RawStomp> {
  const raw = await RawStomp.open(started.running().wsUrl, started.resources, [`v${version.replace('.', '')}.stomp`]);
  raw.sendRaw(connectText({ 'accept-version': version, host: 'localhost' }));
  assert.equal(headerValue(await raw.expect('CONNECTED'), 'version'), version);
  raw.version = version;
  return raw;
}

/** The next MESSAGE frame, decoded, and its text as it came over the wire. */
async function nextMessage(raw: RawStomp): Promise<{ frame: StompFrame; wire: string }> {
  const frame = await raw.expect('MESSAGE');
  const wire = raw.ws.received.find((text) => text.startsWith('MESSAGE\n'));
  assert.ok(wire !== undefined, 'the MESSAGE frame in one websocket message');
  return { frame, wire };
}

describe('header escapes per version in MESSAGE frames', () => {
  test('a 1.2 sender\'s ":" and "\\" reach 1.2, 1.1 escaped and 1.0 raw', async () => {
    const topic = `/topic/${unique('esc')}`;
    const subscribers = { '1.2': await session('1.2'), '1.1': await session('1.1'), '1.0': await session('1.0') };
    subscribers['1.2'].send('SUBSCRIBE', { id: 's12', destination: topic, receipt: 'r' });
    subscribers['1.1'].sendRaw(`SUBSCRIBE\nid:s11\ndestination:${topic}\nreceipt:r\n\n\0`);
    subscribers['1.0'].sendRaw(`SUBSCRIBE\ndestination:${topic}\nreceipt:r\n\n\0`);
    for (const raw of Object.values(subscribers)) await raw.expect('RECEIPT', 'the SUBSCRIBE receipt');
    const sender = await session('1.2');
    sender.sendRaw(`SEND\ndestination:${topic}\nx-colon:a\\cb\\\\c\nreceipt:sent\n\nbody\0`);
    await sender.expect('RECEIPT');
    const escaped = '\nx-colon:a\\cb\\\\c\n';
    const expectedWire = { '1.2': escaped, '1.1': escaped, '1.0': '\nx-colon:a:b\\c\n' };
    for (const version of ['1.2', '1.1', '1.0'] as const) {
      const { frame, wire } = await nextMessage(subscribers[version]);
      assert.ok(wire.includes(expectedWire[version]), `${version}: ${JSON.stringify(wire)}`);
      assert.equal(headerValue(frame, 'x-colon'), 'a:b\\c', version);
      assert.equal(headerValue(frame, 'destination'), topic);
      assert.equal(frame.body, 'body');
      assert.equal(headerValue(frame, 'subscription'), version === '1.0' ? topic : `s${version.replace('.', '')}`);
    }
  });

  test('a newline in a header reaches 1.2 and 1.1 escaped; the 1.0 subscriber is still served', async () => {
    const topic = `/topic/${unique('nl')}`;
    const subscribers = { '1.2': await session('1.2'), '1.1': await session('1.1'), '1.0': await session('1.0') };
    subscribers['1.2'].send('SUBSCRIBE', { id: 's12', destination: topic, receipt: 'r' });
    subscribers['1.1'].sendRaw(`SUBSCRIBE\nid:s11\ndestination:${topic}\nreceipt:r\n\n\0`);
    subscribers['1.0'].sendRaw(`SUBSCRIBE\ndestination:${topic}\nreceipt:r\n\n\0`);
    for (const raw of Object.values(subscribers)) await raw.expect('RECEIPT');
    const sender = await session('1.2');
    sender.sendRaw(`SEND\ndestination:${topic}\nx-lines:one\\ntwo\nreceipt:sent\n\nbody\0`);
    assert.equal((await sender.expect('RECEIPT', 'the sender is served')).command, 'RECEIPT');
    for (const version of ['1.2', '1.1'] as const) {
      const frame = await subscribers[version].expect('MESSAGE');
      assert.equal(headerValue(frame, 'x-lines'), 'one\ntwo', version);
    }
    // 1.0 has no escapes: the header cannot be written; the message arrives without it.
    const old = await subscribers['1.0'].expect('MESSAGE');
    assert.equal(old.body, 'body');
    assert.equal(headerValue(old, 'x-lines'), undefined);
    await canary(started.running(), started.resources);
  });

  test('a destination with ":" and a newline: escaped for 1.2 and 1.1; a 1.0 pattern subscriber goes without', async () => {
    const base = `/topic/${unique('dest')}`;
    const subscribers = { '1.2': await session('1.2'), '1.1': await session('1.1'), '1.0': await session('1.0') };
    subscribers['1.2'].send('SUBSCRIBE', { id: 's12', destination: `${base}/**`, receipt: 'r' });
    subscribers['1.1'].sendRaw(`SUBSCRIBE\nid:s11\ndestination:${base}/**\nreceipt:r\n\n\0`);
    subscribers['1.0'].sendRaw(`SUBSCRIBE\ndestination:${base}/**\nreceipt:r\n\n\0`);
    for (const raw of Object.values(subscribers)) await raw.expect('RECEIPT');
    const sender = await session('1.2');
    sender.sendRaw(`SEND\ndestination:${base}/a\\cb\\nc\nreceipt:sent\n\nodd\0`);
    assert.equal((await sender.expect('RECEIPT', 'the sender is served')).command, 'RECEIPT');
    sender.send('SEND', { destination: `${base}/plain` }, 'plain');
    for (const version of ['1.2', '1.1'] as const) {
      const { frame, wire } = await nextMessage(subscribers[version]);
      assert.equal(headerValue(frame, 'destination'), `${base}/a:b\nc`, version);
      assert.ok(wire.includes(`destination:${base}/a\\cb\\nc\n`), wire);
      assert.equal((await subscribers[version].expect('MESSAGE')).body, 'plain');
    }
    const first = await subscribers['1.0'].expect('MESSAGE');
    assert.equal(first.body, 'plain', 'the 1.0 session skips what it cannot carry, and is still served');
  });
});

describe('a 1.0 sender', () => {
  test('its backslashes are text: 1.2 and 1.1 subscribers get them escaped and read them back', async () => {
    const topic = `/topic/${unique('bs')}`;
    const subscribers = { '1.2': await session('1.2'), '1.1': await session('1.1') };
    subscribers['1.2'].send('SUBSCRIBE', { id: 's', destination: topic, receipt: 'r' });
    subscribers['1.1'].sendRaw(`SUBSCRIBE\nid:s\ndestination:${topic}\nreceipt:r\n\n\0`);
    for (const raw of Object.values(subscribers)) await raw.expect('RECEIPT');
    const sender = await session('1.0');
    sender.sendRaw(`SEND\ndestination:${topic}\nx-path:C:\\new\\table\n\nwin\0`);
    for (const version of ['1.2', '1.1'] as const) {
      const { frame, wire } = await nextMessage(subscribers[version]);
      assert.ok(wire.includes('\nx-path:C\\c\\\\new\\\\table\n'), `${version}: ${JSON.stringify(wire)}`);
      assert.equal(headerValue(frame, 'x-path'), 'C:\\new\\table', version);
    }
  });
});

describe('headers each version asks for', () => {
  test('1.0: SUBSCRIBE without id (the destination names it), ACK by message-id', async () => {
    const raw = await session('1.0');
    const topic = `/topic/${unique('v10')}`;
    raw.sendRaw(`SUBSCRIBE\ndestination:${topic}\nack:client\n\n\0SEND\ndestination:${topic}\n\nm\0`);
    const message = await raw.expect('MESSAGE');
    assert.equal(headerValue(message, 'subscription'), topic);
    assert.equal(headerValue(message, 'ack'), undefined, 'no ack header before 1.2');
    raw.sendRaw(`ACK\nmessage-id:${headerValue(message, 'message-id') ?? ''}\nreceipt:acked\n\n\0`);
    assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), 'acked');
    raw.sendRaw(`UNSUBSCRIBE\ndestination:${topic}\nreceipt:gone\n\n\0`);
    assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), 'gone');
  });

  test('1.1: ACK and NACK by subscription and message-id', async () => {
    const raw = await session('1.1');
    const topic = `/topic/${unique('v11')}`;
    raw.sendRaw(`SUBSCRIBE\nid:s\ndestination:${topic}\nack:client-individual\n\n\0`);
    raw.sendRaw(`SEND\ndestination:${topic}\n\none\0SEND\ndestination:${topic}\n\ntwo\0`);
    const one = await raw.expect('MESSAGE');
    const two = await raw.expect('MESSAGE');
    raw.sendRaw(`ACK\nsubscription:s\nmessage-id:${headerValue(one, 'message-id') ?? ''}\nreceipt:a\n\n\0`);
    raw.sendRaw(`NACK\nsubscription:s\nmessage-id:${headerValue(two, 'message-id') ?? ''}\nreceipt:n\n\n\0`);
    assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), 'a');
    assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), 'n');
  });

  test("1.2: ACK by the MESSAGE frame's ack header", async () => {
    const raw = await session('1.2');
    const topic = `/topic/${unique('v12')}`;
    raw.send('SUBSCRIBE', { id: 's', destination: topic, ack: 'client' });
    raw.send('SEND', { destination: topic }, 'm');
    const message = await raw.expect('MESSAGE');
    const ack = headerValue(message, 'ack');
    assert.ok(ack, 'an ack header in 1.2');
    raw.send('ACK', { id: ack, receipt: 'a' });
    assert.equal(headerValue(await raw.expect('RECEIPT'), 'receipt-id'), 'a');
  });
});
