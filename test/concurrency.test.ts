import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachLimited } from '../lib/concurrency.js';

describe('forEachLimited', () => {
  it('never runs more than the limit at once and runs every item', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5 + (item % 3)));
      done.push(item);
      inFlight -= 1;
    });
    assert.equal(peak, 3);
    assert.deepEqual([...done].sort(), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing after the signal aborts and reports what was skipped', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const skipped: string[] = [];
    await forEachLimited(
      ['a', 'b', 'c', 'd'],
      1,
      async (item) => {
        started.push(item);
        if (item === 'b') controller.abort();
      },
      { signal: controller.signal, onSkipped: (item) => skipped.push(item) },
    );
    assert.deepEqual(started, ['a', 'b']);
    assert.deepEqual(skipped, ['c', 'd']);
  });
});
