/**
 * Bounded concurrency for workflow code: `limit` lanes each take the next item of the list, so
 * items start in list order and never more than `limit` run at once. Plain promises only, so the
 * order of commands is the same on every replay.
 */

/**
 * Runs `fn` over `items`, at most `limit` at once, starting them in list order; stops starting
 * new items once `stop()` holds. Rejects with the first rejection of `fn`.
 */
export async function runBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop()) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}
