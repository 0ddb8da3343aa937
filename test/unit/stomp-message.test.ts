/**
 * OutboundMessage: a topic message is written once per version for all its subscribers; the SockJS
 * form (quoted in two parts) must be exactly what quoting the whole frame gives, for any text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { quote, StompDecoder, STOMP_VERSIONS, headerValue } from '../../protocol';
import { OutboundMessage } from '../../server/stomp';

test('quotedFrame is quote(frame) and its byte count, for any body, headers and subscription', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0') && !/[\r\n]/.test(s)),
      fc.constantFrom(...STOMP_VERSIONS.filter((v) => v !== '1.0')),
      fc.option(fc.constantFrom('a-1', 'ä:2')),
      (body, subscription, version, ack) => {
        const message = new OutboundMessage('/topic/t', 'm-1', body, 'text/plain', [['x-extra', 'ü\u2028']]);
        const frame = message.frame(version, subscription || 's', ack ?? undefined);
        const { quoted, bytes } = message.quotedFrame(version, subscription || 's', ack ?? undefined);
        assert.equal(quoted, quote(frame));
        assert.equal(bytes, Buffer.byteLength(frame));
      },
    ),
  );
});

test('a MESSAGE frame decodes to its destination, ids, content headers and body', () => {
  const message = new OutboundMessage('/topic/a:b', 'id-7', 'x\0y', 'application/json', [
    ['destination', '/ignored'],
    ['custom', 'v'],
  ]);
  const decoder = new StompDecoder({ version: '1.2' });
  const [item] = decoder.push(message.frame('1.2', 'sub-1', 'ack-1'));
  assert.ok(item?.type === 'frame');
  const { frame } = item;
  assert.equal(frame.command, 'MESSAGE');
  assert.equal(headerValue(frame, 'subscription'), 'sub-1');
  assert.equal(headerValue(frame, 'ack'), 'ack-1');
  assert.equal(headerValue(frame, 'destination'), '/topic/a:b');
  assert.equal(headerValue(frame, 'message-id'), 'id-7');
  assert.equal(headerValue(frame, 'content-type'), 'application/json');
  assert.equal(headerValue(frame, 'content-length'), '3');
  assert.equal(headerValue(frame, 'custom'), 'v');
  assert.equal(
    frame.headers.filter(([name]) => name === 'destination').length,
    1,
    "the publisher's destination is not passed on",
  );
  assert.equal(frame.body, 'x\0y');
});
