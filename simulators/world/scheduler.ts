/**
 * Timers that advance simulated jobs and runs. Each entity keeps its own "next transition at"
 * time in the world, so after a restart the simulator re-arms its timers from the saved state;
 * the scheduler only owns live timers, and `stop()` clears them all (no busy loops, no leaks).
 */

/** A live timer set keyed by entity, so re-arming an entity replaces its old timer. */
export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  /** Runs `fn` after `delayMs` (0 still defers to a later tick), replacing any timer under `key`. */
  at(key: string, delayMs: number, fn: () => void): void {
    if (this.stopped) return;
    this.cancel(key);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        if (!this.stopped) fn();
      },
      Math.max(0, delayMs),
    );
    this.timers.set(key, timer);
  }

  /** Cancels the timer under `key`, if any. */
  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  /** Number of armed timers (tests use it to see that nothing is left running). */
  get pending(): number {
    return this.timers.size;
  }

  /** Clears every timer but keeps accepting new ones (a world reset). */
  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Clears every timer; later `at` calls are ignored. */
  stop(): void {
    this.stopped = true;
    this.clear();
  }
}
