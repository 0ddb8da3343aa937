/**
 * webstomp-client, a second real STOMP client, over a plain websocket (`Stomp.over(ws)`): CONNECTED
 * at 1.2 from the sub-protocol, a topic in order, client-individual ack()/nack() with the 1.2 `ack`
 * header, receipts, a transaction, an /app round trip, and a frame larger than the 16 KiB pieces it
 * cuts every frame into (each piece its own websocket message; the server's decoder joins them).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as webstomp from 'webstomp-client';
import WebSocket from 'ws';
import { Events } from '../support/events';
import type { Resources } from '../support/resources';
import { StompjsSession, useStompServer, type StompTestServer } from '../support/stomp';
import { bodies, numbered, unique } from '../support/stomp-e2e';
import { withTimeout } from '../support/wait';

const started = useStompServer({ heartBeat: [0, 0] }, (stomp) => {
  stomp.messageMapping('/size', (message) => ({ length: message.body.length, last: message.body.slice(-3) }));
});

/** A webstomp-client and what it received. */
interface Webstomp {
  readonly client: webstomp.Client;
  readonly socket: WebSocket;
  readonly connected: webstomp.Frame | undefined;
  readonly messages: Events<webstomp.Message>;
  readonly receipts: Events<string>;
  /** Chunks the client wrote to the websocket (to see it split large frames). */
  readonly written: number[];
}

async function connectWebstomp(server: StompTestServer, resources: Resources): Promise<Webstomp> {
  const socket = new WebSocket(server.wsUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
  const written: number[] = [];
  const send = socket.send.bind(socket);
  socket.send = ((data: string) => {
    written.push(data.length);
    send(data);
  }) as typeof socket.send;
  const client = webstomp.over(socket, { debug: false, heartbeat: false });
  resources.add(socket, (s) => s.terminate());
  const messages = new Events<webstomp.Message>();
  const receipts = new Events<string>();
  client.onreceipt = (frame) => receipts.push(frame.headers['receipt-id'] ?? '');
  const connected = await withTimeout(
    new Promise<webstomp.Frame | undefined>((resolve, reject) =>
      client.connect({ host: 'localhost' }, resolve, (error) => reject(new Error(`webstomp: ${String(error)}`))),
    ),
    'webstomp-client to connect',
  );
  return { client, socket, connected, messages, receipts, written };
}

/** Sends with a receipt and waits for it. */
async function sendWithReceipt(session: Webstomp, destination: string, body: string, headers = {}): Promise<void> {
  const receipt = unique('w');
  session.client.send(destination, body, { ...headers, receipt });
  await session.receipts.waitFor((id) => id === receipt, `the receipt for ${destination}`);
}

async function subscribed(session: Webstomp, destination: string, headers = {}): Promise<webstomp.Subscription> {
  const receipt = unique('ws');
  const subscription = session.client.subscribe(destination, (message) => session.messages.push(message), {
    ...headers,
    receipt,
  });
  await session.receipts.waitFor((id) => id === receipt, `the receipt for SUBSCRIBE ${destination}`);
  return subscription;
}

describe('webstomp-client over ws', () => {
  test('CONNECTED at 1.2 (from the sub-protocol); a topic in order, with receipts', async () => {
    const running = started.running();
    const subscriber = await connectWebstomp(running, started.resources);
    const publisher = await connectWebstomp(running, started.resources);
    assert.equal(subscriber.connected?.headers.version, '1.2');
    assert.equal(subscriber.socket.protocol, 'v12.stomp');
    const topic = `/topic/${unique('w')}`;
    await subscribed(subscriber, topic);
    const sent = numbered('m', 25);
    for (const body of sent) publisher.client.send(topic, body);
    await sendWithReceipt(publisher, topic, 'end');
    const got = await subscriber.messages.waitForCount(26, 'every message');
    assert.deepEqual(bodies(got), [...sent, 'end']);
  });

  test('a frame over 16 KiB is cut into 16 KiB websocket messages and arrives whole', async () => {
    const running = started.running();
    const publisher = await connectWebstomp(running, started.resources);
    const subscriber = await StompjsSession.connect(running, 'ws', started.resources);
    const topic = `/topic/${unique('big')}`;
    await subscriber.subscribed(topic);
    const body = 'é'.repeat(20_000) + 'x'.repeat(20_000) + 'end';
    const before = publisher.written.length;
    await sendWithReceipt(publisher, topic, body);
    const chunks = publisher.written.slice(before);
    assert.ok(chunks.length >= 3, `the frame went in ${chunks.length} websocket messages`);
    assert.equal(chunks[0], 16 * 1024, 'pieces of 16 KiB');
    const message = await subscriber.messages.waitFor(() => true, 'the large message');
    assert.equal(message.body, body);
    assert.equal(message.headers['content-length'], String(Buffer.byteLength(body)));
    const reply = await connectWebstomp(running, started.resources);
    await subscribed(reply, '/topic/size');
    await sendWithReceipt(reply, '/app/size', body);
    const size = await reply.messages.waitFor(() => true, 'the /app reply');
    assert.deepEqual(JSON.parse(size.body), { length: body.length, last: 'end' });
  });

  test('client-individual: nack() sends it to the other consumer, ack() settles it', async () => {
    const running = started.running();
    const queue = `/queue/${unique('wq')}`;
    const first = await connectWebstomp(running, started.resources);
    const second = await connectWebstomp(running, started.resources);
    await subscribed(first, queue, { ack: 'client-individual' });
    await sendWithReceipt(second, queue, 'job');
    const job = await first.messages.waitFor(() => true, 'the job at the first consumer');
    assert.ok(job.headers.ack, 'the 1.2 ack header');
    await subscribed(second, queue, { ack: 'client-individual' });
    job.nack();
    const again = await second.messages.waitFor(() => true, 'the job at the second consumer');
    assert.equal(again.body, 'job');
    again.ack({ receipt: 'acked' });
    await second.receipts.waitFor((id) => id === 'acked', 'the ACK receipt');
    assert.equal(running.stomp.stats().broker.queued, 0);
    first.socket.terminate();
    await sendWithReceipt(second, '/topic/flush', '');
    assert.equal(second.messages.items.length, 1, 'the acknowledged job is not redelivered');
  });

  test('begin()/commit(): the transaction’s messages arrive at the commit, in order', async () => {
    const running = started.running();
    const topic = `/topic/${unique('wtx')}`;
    const subscriber = await connectWebstomp(running, started.resources);
    const publisher = await connectWebstomp(running, started.resources);
    await subscribed(subscriber, topic);
    const tx = publisher.client.begin('tx1') as unknown as { id: string; commit(): void };
    for (const body of ['a', 'b']) publisher.client.send(topic, body, { transaction: tx.id });
    await sendWithReceipt(publisher, topic, 'outside');
    await subscriber.messages.waitForCount(1, 'the message outside');
    assert.deepEqual(bodies(subscriber.messages.items), ['outside']);
    tx.commit();
    await sendWithReceipt(publisher, topic, 'after');
    const all = await subscriber.messages.waitForCount(4, 'all four');
    assert.deepEqual(bodies(all), ['outside', 'a', 'b', 'after']);
  });
});
