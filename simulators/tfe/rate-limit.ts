/**
 * TFE's rate limits: a fixed window per token (per client address when unauthenticated), 30
 * requests a second by default, and a separate 30 a minute on the run list endpoints.
 */

/** The verdict for one request. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (TFE sends a float in X-RateLimit-Reset). */
  resetSeconds: number;
}

/** Fixed-window counters keyed by caller. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number) {}

  /** Counts one request of `key` against `limit` per `windowMs`. */
  take(key: string, limit: number, windowMs: number): RateDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now >= window.start + windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    const resetSeconds = Math.max(0, (window.start + windowMs - now) / 1000);
    if (window.count >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    window.count++;
    return { allowed: true, limit, remaining: limit - window.count, resetSeconds };
  }

  /** Forgets every window (after a world reset or a settings change). */
  clear(): void {
    this.windows.clear();
  }
}
