/**
 * The relay with `sessionCredentials: 'client'` ends a session for good only when the broker refuses
 * its login; any other ERROR before CONNECTED is retried as a lost connection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StompFrame } from '../../protocol';
import { isLoginRefusal } from '../../server/stomp/relay/relay-connection';

function error(message: string, body = ''): StompFrame {
  return { command: 'ERROR', headers: [['message', message]], body };
}

test("a login refusal is final: RabbitMQ's, and the usual wordings of other brokers", () => {
  assert.equal(isLoginRefusal(error('Bad CONNECT', "Access refused for user 'alice'\n")), true);
  assert.equal(isLoginRefusal(error('Authentication failed')), true);
  assert.equal(isLoginRefusal(error('Unauthorized', 'bad passcode')), true);
  assert.equal(isLoginRefusal(error('Invalid login')), true);
  assert.equal(isLoginRefusal(error('Bad CONNECT', "Virtual host '/' access denied")), true, 'no right to the vhost');
});

test('anything else before CONNECTED is not: a vhost away, a connection limit, a lock', () => {
  assert.equal(isLoginRefusal(error('Virtual host unavailable', "vhost '/' is down")), false);
  assert.equal(isLoginRefusal(error('Too many connections')), false);
  assert.equal(isLoginRefusal(error('resource_locked')), false);
  assert.equal(isLoginRefusal({ command: 'ERROR', headers: [], body: '' }), false);
});
