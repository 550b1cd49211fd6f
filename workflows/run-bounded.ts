/**
 * Bounded concurrency for workflow code: items start in list order (among those whose
 * dependencies are done, when they have any) and never more than `limit` run at once. Plain
 * promises only, so the order of commands is the same on every replay.
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

/** Items that depend on each other, for `runInDependencyOrder`. */
export interface DependencyRun<T> {
  items: readonly T[];
  /** How many run at once at the most. */
  limit: number;
  /** The positions of the items the item at `index` depends on. */
  needs: (index: number) => readonly number[];
  /** Runs an item; true when it succeeded. */
  run: (item: T, index: number) => Promise<boolean>;
  /** Told of an item never started because `blocker`, an item it depends on, failed or was skipped. */
  skip: (item: T, index: number, blocker: number) => void;
}

/**
 * Runs each item once every item it depends on has succeeded, at most `limit` at once, the first
 * ready in list order; independent items run side by side. An item whose dependency failed, or
 * was itself skipped, is never started. Rejects with the first rejection of `run` (a
 * cancellation), starting nothing more. Plain promises and list order only: the same commands on
 * every replay.
 */
export async function runInDependencyOrder<T>({
  items,
  limit,
  needs,
  run,
  skip,
}: DependencyRun<T>): Promise<void> {
  type State = 'waiting' | 'running' | 'succeeded' | 'failed' | 'skipped';
  const states: State[] = items.map(() => 'waiting');
  const running = new Map<number, Promise<number>>();
  for (;;) {
    // Skips first, to a fixed point, so a skip reaches the dependents of the skipped too.
    for (let changed = true; changed;) {
      changed = false;
      for (const [i, state] of states.entries()) {
        if (state !== 'waiting') continue;
        const blocker = needs(i).find((d) => states[d] === 'failed' || states[d] === 'skipped');
        if (blocker === undefined) continue;
        states[i] = 'skipped';
        skip(items[i]!, i, blocker);
        changed = true;
      }
    }
    for (const [i, state] of states.entries()) {
      if (running.size >= limit) break;
      if (state !== 'waiting' || !needs(i).every((d) => states[d] === 'succeeded')) continue;
      states[i] = 'running';
      running.set(
        i,
        run(items[i]!, i).then((ok) => {
          states[i] = ok ? 'succeeded' : 'failed';
          return i;
        }),
      );
    }
    if (running.size === 0) break;
    running.delete(await Promise.race(running.values()));
  }
  const stuck = [...states.keys()].filter((i) => states[i] === 'waiting');
  if (stuck.length) throw new Error(`items ${stuck.join(', ')} can never start: they depend on each other`);
}
