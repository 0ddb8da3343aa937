/** server/session/serial-calls.ts: one call at a time, in order, async calls awaited, errors reported. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SerialCalls } from '../../server/session/serial-calls';

/** A promise settled by the test. */
function gate(): { promise: Promise<void>; open: () => void; fail: (error: unknown) => void } {
  let open!: () => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** Resolves once every queued microtask and promise callback so far has run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function collector(): { serial: SerialCalls; log: string[]; errors: unknown[] } {
  const log: string[] = [];
  const errors: unknown[] = [];
  return { serial: new SerialCalls((error) => errors.push(error)), log, errors };
}

describe('SerialCalls', () => {
  test('synchronous calls run at once, in order', { timeout: 2000 }, () => {
    const { serial, log } = collector();
    serial.run(() => void log.push('a'));
    assert.deepEqual(log, ['a'], 'an idle queue runs the call before run() returns');
    serial.run(() => void log.push('b'));
    serial.run(() => void log.push('c'));
    assert.deepEqual(log, ['a', 'b', 'c']);
  });

  test('an async call holds back the next until it settles', { timeout: 2000 }, async () => {
    const { serial, log } = collector();
    const first = gate();
    serial.run(async () => {
      log.push('1 start');
      await first.promise;
      log.push('1 end');
    });
    serial.run(() => void log.push('2'));
    serial.run(() => void log.push('3'));
    await settle();
    assert.deepEqual(log, ['1 start']);
    first.open();
    await settle();
    assert.deepEqual(log, ['1 start', '1 end', '2', '3']);
  });

  test('async calls with varying delays finish in call order and never overlap', { timeout: 5000 }, async () => {
    const { serial, log } = collector();
    let active = 0;
    let maxActive = 0;
    const done = gate();
    const count = 8;
    for (let i = 0; i < count; i++) {
      serial.run(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, (count - i) * 2));
        log.push(String(i));
        active--;
        if (i === count - 1) done.open();
      });
    }
    await done.promise;
    assert.deepEqual(log, ['0', '1', '2', '3', '4', '5', '6', '7']);
    assert.equal(maxActive, 1);
  });

  test('a mix of sync and async calls keeps order', { timeout: 2000 }, async () => {
    const { serial, log } = collector();
    serial.run(() => void log.push('s1'));
    serial.run(async () => {
      await Promise.resolve();
      log.push('a1');
    });
    serial.run(() => void log.push('s2'));
    serial.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push('a2');
    });
    serial.run(() => void log.push('s3'));
    const done = gate();
    serial.run(() => done.open());
    assert.deepEqual(log, ['s1']);
    await done.promise;
    assert.deepEqual(log, ['s1', 'a1', 's2', 'a2', 's3']);
  });

  test('a thenable that is not a Promise is awaited too', { timeout: 2000 }, async () => {
    const { serial, log } = collector();
    let settleThenable: (() => void) | undefined;
    const thenable = {
      then(onFulfilled: () => void) {
        settleThenable = onFulfilled;
      },
    };
    serial.run(() => thenable);
    serial.run(() => void log.push('after'));
    assert.deepEqual(log, []);
    assert.ok(settleThenable);
    settleThenable();
    assert.deepEqual(log, ['after']);
  });

  test('a call that throws is reported and the queue carries on', { timeout: 2000 }, () => {
    const { serial, log, errors } = collector();
    const boom = new Error('boom');
    serial.run(() => void log.push('1'));
    serial.run(() => {
      throw boom;
    });
    serial.run(() => void log.push('3'));
    assert.deepEqual(log, ['1', '3']);
    assert.deepEqual(errors, [boom]);
  });

  test('a call that rejects is reported and the queue carries on', { timeout: 2000 }, async () => {
    const { serial, log, errors } = collector();
    const failing = gate();
    serial.run(() => failing.promise);
    serial.run(() => void log.push('after'));
    failing.fail('nope');
    await settle();
    assert.deepEqual(errors, ['nope']);
    assert.deepEqual(log, ['after']);
  });

  test('a throwing call queued behind an async one is reported, the rest still run', { timeout: 2000 }, async () => {
    const { serial, log, errors } = collector();
    const first = gate();
    serial.run(() => first.promise);
    serial.run(() => {
      throw new TypeError('second');
    });
    serial.run(async () => {
      await Promise.resolve();
      log.push('third');
    });
    first.open();
    await settle();
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof TypeError);
    assert.deepEqual(log, ['third']);
  });

  test('calls made from inside a synchronous call run after it, in order', { timeout: 2000 }, () => {
    const { serial, log } = collector();
    serial.run(() => {
      log.push('outer start');
      serial.run(() => void log.push('inner 1'));
      serial.run(() => {
        log.push('inner 2');
        serial.run(() => void log.push('nested'));
      });
      log.push('outer end');
    });
    // The first run() drained everything queued meanwhile before returning.
    assert.deepEqual(log, ['outer start', 'outer end', 'inner 1', 'inner 2', 'nested']);
    serial.run(() => void log.push('next'));
    assert.deepEqual(log, ['outer start', 'outer end', 'inner 1', 'inner 2', 'nested', 'next']);
  });

  test('calls made from inside an async call run after it settles', { timeout: 2000 }, async () => {
    const { serial, log } = collector();
    const wait = gate();
    serial.run(async () => {
      log.push('outer start');
      serial.run(() => void log.push('inner'));
      await wait.promise;
      log.push('outer end');
    });
    await settle();
    assert.deepEqual(log, ['outer start']);
    wait.open();
    await settle();
    assert.deepEqual(log, ['outer start', 'outer end', 'inner']);
  });

  test(
    'an error reporter that queues a call (as the handler does with onTransportError) gets it run next',
    { timeout: 2000 },
    () => {
      const log: string[] = [];
      const serial: SerialCalls = new SerialCalls((error) => {
        log.push(`error ${String(error)}`);
        serial.run(() => void log.push('reported'));
      });
      serial.run(() => {
        throw 'x';
      });
      serial.run(() => void log.push('later'));
      assert.deepEqual(log, ['error x', 'reported', 'later']);
    },
  );

  test('after the queue empties, the next call runs at once again', { timeout: 2000 }, async () => {
    const { serial, log } = collector();
    const first = gate();
    serial.run(() => first.promise);
    first.open();
    await settle();
    serial.run(() => void log.push('immediate'));
    assert.deepEqual(log, ['immediate']);
  });
});
