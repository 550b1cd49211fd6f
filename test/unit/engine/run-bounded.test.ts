/**
 * runBounded, the bounded concurrency of the request workflow and of fan-out steps: items start
 * in list order, never more than the limit at once, and none starts once told to stop.
 */
import assert from 'node:assert/strict';
import { runBounded } from '../../../workflows/run-bounded';

/** Runs `items` with a limit, item n taking (n mod 3) × 5 ms; reports the starts in order and the peak. */
async function trace(items: number[], limit: number, stopAfter?: number) {
  const started: number[] = [];
  let running = 0;
  let peak = 0;
  let finished = 0;
  await runBounded(
    items,
    limit,
    async (item) => {
      started.push(item);
      peak = Math.max(peak, ++running);
      await new Promise((resolve) => setTimeout(resolve, (item % 3) * 5));
      running--;
      finished++;
    },
    () => stopAfter !== undefined && finished >= stopAfter,
  );
  return { started, peak };
}

describe('runBounded', () => {
  const cases = [
    { name: 'more items than the limit', items: [0, 1, 2, 3, 4, 5, 6], limit: 3, peak: 3 },
    { name: 'fewer items than the limit', items: [0, 1], limit: 5, peak: 2 },
    { name: 'one at a time', items: [2, 1, 0], limit: 1, peak: 1 },
    { name: 'no items', items: [], limit: 4, peak: 0 },
  ];
  for (const c of cases)
    it(`starts every item in list order, at most the limit at once: ${c.name}`, async () => {
      const { started, peak } = await trace(c.items, c.limit);
      assert.deepEqual(started, c.items);
      assert.equal(peak, c.peak);
    });

  it('starts no item once stop() holds', async () => {
    const { started } = await trace([0, 1, 2, 3, 4, 5], 1, 2);
    assert.deepEqual(started, [0, 1]);
  });

  it('rejects with the failure of an item', async () => {
    await assert.rejects(
      runBounded([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error('item 2 failed');
      }),
      /item 2 failed/,
    );
  });
});
