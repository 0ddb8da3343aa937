/**
 * createStompServer's options: what it refuses (ERR_INVALID_OPTION, naming the option) and what it
 * takes. Nothing listens: a refused server never gets as far as a socket.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SockJsError } from '../../protocol';
import { createStompServer, STOMP_DEFAULTS, type StompServerOptions } from '../../server/stomp';

/** Options as a caller without types could pass them. */
type Untyped = Record<string, unknown>;

function refuses(options: Untyped, name: string): void {
  assert.throws(
    () => createStompServer(options),
    (error: unknown) => {
      assert.ok(error instanceof SockJsError, `not a SockJsError: ${String(error)}`);
      assert.equal(error.code, 'ERR_INVALID_OPTION');
      assert.ok(error.message.includes(name), `"${error.message}" does not name ${name}`);
      return true;
    },
  );
}

const REFUSED: [string, Untyped][] = [
  ['heartBeat', { heartBeat: [-1, 0] }],
  ['heartBeat', { heartBeat: [0, -1] }],
  ['heartBeat', { heartBeat: [0] }],
  ['heartBeat', { heartBeat: [0, 0, 0] }],
  ['heartBeat', { heartBeat: [1.5, 0] }],
  ['heartBeat', { heartBeat: [86_400_001, 0] }],
  ['heartBeat', { heartBeat: '10000,10000' }],
  ['heartBeatTolerance', { heartBeatTolerance: 0.5 }],
  ['heartBeatTolerance', { heartBeatTolerance: 101 }],
  ['heartBeatTolerance', { heartBeatTolerance: Number.NaN }],
  ['topicPrefixes', { topicPrefixes: ['topic'] }],
  ['topicPrefixes', { topicPrefixes: [] }],
  ['queuePrefixes', { queuePrefixes: [] }],
  ['topicPrefixes', { topicPrefixes: ['/topic/'] }],
  ['topicPrefixes', { topicPrefixes: ['/'] }],
  ['topicPrefixes', { topicPrefixes: ['/to pic'] }],
  ['topicPrefixes', { topicPrefixes: '/topic' }],
  ['queuePrefixes', { queuePrefixes: [42] }],
  // The in-memory broker's own checks, which come after createStompServer's.
  ['topicPrefixes', { topicPrefixes: ['/topic.'] }],
  ['topicPrefixes', { topicPrefixes: ['/t*'] }],
  ['overlap', { topicPrefixes: ['/a'], queuePrefixes: ['/a/b'] }],
  ['applicationPrefixes', { applicationPrefixes: [] }],
  ['applicationPrefixes', { applicationPrefixes: ['app'] }],
  ['userPrefix', { userPrefix: 'user' }],
  ['userPrefix', { userPrefix: true }],
  ['userPrefix', { userPrefix: '/user/' }],
  ['maxFrameBytes', { maxFrameBytes: 0 }],
  ['maxFrameBytes', { maxFrameBytes: -1 }],
  ['maxFrameBytes', { maxFrameBytes: 1.5 }],
  ['maxFrameBytes', { maxFrameBytes: '65536' }],
  ['maxHeaders', { maxHeaders: Number.POSITIVE_INFINITY }],
  ['maxHeaderBytes', { maxHeaderBytes: 0 }],
  ['maxSubscriptionsPerSession', { maxSubscriptionsPerSession: 0 }],
  ['maxUnackedPerSubscription', { maxUnackedPerSubscription: -5 }],
  ['maxTransactionsPerSession', { maxTransactionsPerSession: 0 }],
  ['maxFramesPerTransaction', { maxFramesPerTransaction: 0.1 }],
  ['maxBufferedMessages', { maxBufferedMessages: 0 }],
  ['maxBufferedBytes', { maxBufferedBytes: -1 }],
  ['maxQueuedMessages', { maxQueuedMessages: 0 }],
  ['connectTimeout', { connectTimeout: 0 }],
  ['connectTimeout', { connectTimeout: 86_400_001 }],
  ['versions', { versions: [] }],
  ['versions', { versions: ['2.0'] }],
  ['versions', { versions: '1.2' }],
  ['slowSubscriberPolicy', { slowSubscriberPolicy: 'drop-newest' }],
  ['broker', { broker: {} }],
  ['broker', { broker: null }],
  ['interceptors', { interceptors: {} }],
  ['interceptors', { interceptors: [{ inbound: 'yes' }] }],
  ['interceptors', { interceptors: [null] }],
  ['serverName', { serverName: 'a\nb' }],
  ['serverName', { serverName: '' }],
  ['serverName', { serverName: 42 }],
];

describe('createStompServer refuses bad options with ERR_INVALID_OPTION', () => {
  for (const [name, options] of REFUSED) {
    test(`${name}: ${JSON.stringify(options, (_, v: unknown) => (Number.isNaN(v) ? 'NaN' : v))}`, () => {
      refuses(options, name);
    });
  }

  test('an unknown key, with the likely one it meant', () => {
    refuses({ heartbeat: [0, 0] }, '"heartbeat"');
    refuses({ heartbeat: [0, 0] }, 'heartBeat');
  });

  test('an unknown key far from every known one lists them', () => {
    refuses({ zzzzzzzzzzzz: 1 }, 'known:');
  });

  test('options that are not an object', () => {
    refuses(null as unknown as Untyped, 'options');
    refuses('fast' as unknown as Untyped, 'options');
  });
});

describe('createStompServer takes good options', () => {
  test('none: the defaults, all three versions as sub-protocols', () => {
    const stomp = createStompServer();
    assert.deepEqual(stomp.subprotocols, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
    assert.deepEqual(STOMP_DEFAULTS.heartBeat, [10_000, 10_000]);
  });

  test('edge values', () => {
    const stomp = createStompServer({
      heartBeat: [0, 0],
      heartBeatTolerance: 1,
      topicPrefixes: ['/topic', '/exchange'],
      queuePrefixes: ['/queue', '/exclusive'],
      applicationPrefixes: ['/a'],
      userPrefix: false,
      maxFrameBytes: 1,
      connectTimeout: 86_400_000,
      versions: ['1.1'],
      slowSubscriberPolicy: 'drop-oldest',
      interceptors: [{}],
      serverName: 'x',
    });
    assert.deepEqual(stomp.subprotocols, ['v11.stomp']);
  });

  test('an undefined option is the default', () => {
    const options: Untyped = { heartBeat: undefined, versions: undefined };
    assert.deepEqual(createStompServer(options as StompServerOptions).subprotocols.length, 3);
  });
});
