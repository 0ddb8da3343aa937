/** server/session/timer-wheel.ts: items are visited once their earliest deadline is due, never early, never lost. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TimerWheel, type Timed } from '../../server/session/timer-wheel';

/** A Timed with a list of deadlines; records when it was visited. */
class Deadlines implements Timed {
  wheelTick = -1;
  readonly visits: number[] = [];
  constructor(private readonly pending: number[]) {}
  sweep(now: number): number | undefined {
    this.visits.push(now);
    while (this.pending.length > 0 && (this.pending[0] as number) <= now) this.pending.shift();
    return this.pending[0];
  }
}

const START = 1_000_000;

describe('TimerWheel', () => {
  test('resolution: a tenth of the shortest positive delay, within 5 ms and 1 s', () => {
    assert.equal(TimerWheel.resolutionFor([25_000, 5_000, 10_000, 0]), 500);
    assert.equal(TimerWheel.resolutionFor([20, 100]), 5);
    assert.equal(TimerWheel.resolutionFor([60_000, 3_600_000]), 1000);
  });

  test('an item is visited at its deadline (within one tick late), then at the next, then dropped', () => {
    const wheel = new TimerWheel(10, START);
    const item = new Deadlines([START + 95, START + 300]);
    wheel.schedule(item, START + 95);
    for (let now = START; now <= START + 400; now += 5) wheel.turn(now);
    assert.deepEqual(item.visits, [START + 100, START + 300]);
    assert.equal(item.wheelTick, -1);
  });

  test('scheduling earlier refiles; scheduling later keeps the earlier visit', () => {
    const wheel = new TimerWheel(10, START);
    const item = new Deadlines([START + 50, START + 500]);
    wheel.schedule(item, START + 500);
    wheel.schedule(item, START + 50);
    wheel.schedule(item, START + 200);
    for (let now = START; now <= START + 600; now += 10) wheel.turn(now);
    assert.deepEqual(item.visits, [START + 50, START + 500]);
  });

  test('scheduling later with `later` refiles: no visit at the old time', () => {
    const wheel = new TimerWheel(10, START);
    const item = new Deadlines([START + 500]);
    wheel.schedule(item, START + 50);
    wheel.schedule(item, START + 500, true);
    for (let now = START; now <= START + 600; now += 10) wheel.turn(now);
    assert.deepEqual(item.visits, [START + 500]);
  });

  test('an overdue deadline is visited on the next tick, not lost in a tick already passed', () => {
    const wheel = new TimerWheel(10, START);
    const item = new Deadlines([START - 1_000, START + 15]);
    wheel.schedule(item, START - 1_000);
    wheel.turn(START + 10);
    assert.deepEqual(item.visits, [START + 10]);
    wheel.turn(START + 20);
    assert.deepEqual(item.visits, [START + 10, START + 20]);
  });

  test('an item that keeps saying "overdue" is visited once per tick, not in a loop', () => {
    const wheel = new TimerWheel(10, START);
    let visits = 0;
    const stuck: Timed = { wheelTick: -1, sweep: (now) => (visits++, now - 1) };
    wheel.schedule(stuck, START + 1);
    wheel.turn(START + 10);
    wheel.turn(START + 10);
    wheel.turn(START + 20);
    assert.equal(visits, 2);
  });

  test('cancel: a cancelled item is never visited', () => {
    const wheel = new TimerWheel(10, START);
    const item = new Deadlines([START + 20]);
    wheel.schedule(item, START + 20);
    wheel.cancel(item);
    wheel.turn(START + 100);
    assert.deepEqual(item.visits, []);
  });

  test('a jump far ahead (a blocked process, a clock change) visits everything due, once', () => {
    const wheel = new TimerWheel(5, START);
    const items = Array.from({ length: 50 }, (_, i) => new Deadlines([START + i * 997]));
    for (const item of items) wheel.schedule(item, START + items.indexOf(item) * 997);
    wheel.turn(START + 10 * 86_400_000);
    for (const item of items) assert.equal(item.visits.length, 1);
  });
});
