/**
 * Patience for long waits: a poll that meets a passing upstream problem (5xx, 429, a dropped
 * connection) waits and polls again inside the same attempt, instead of spending one of the
 * activity's retry attempts on every hiccup of a wait that may last hours. A run of failures
 * longer than `maxFailures`, or any failure that retrying cannot fix, still ends the attempt.
 */
import { ApplicationFailure } from '@temporalio/common';
import { sleep } from './http-client';

/** How patient a wait is with passing upstream trouble. */
export interface PatienceOptions {
  /** Consecutive retryable failures tolerated before the attempt gives up. */
  maxFailures?: number;
  /** First pause after a failure; doubled each time, unless the upstream asked for a delay. */
  initialDelayMs?: number;
  /** Called before each pause, so a heartbeating activity keeps heartbeating while it waits. */
  beat?: () => void;
}

/**
 * A pause plus a call that waits out a rate limit (RATE_LIMIT_PATIENCE_MS) stay within the long
 * profile's 30 s heartbeat timeout.
 */
const MAX_PAUSE_MS = 10_000;

/** Calls `read`, waiting out retryable failures (honouring their `nextRetryDelay`). */
export async function withPatience<T>(
  read: () => Promise<T>,
  signal: AbortSignal,
  opts: PatienceOptions = {},
): Promise<T> {
  const maxFailures = opts.maxFailures ?? 5;
  let delay = opts.initialDelayMs ?? 1_000;
  for (let failures = 0; ; failures++) {
    try {
      return await read();
    } catch (err) {
      const retryable = err instanceof ApplicationFailure && !err.nonRetryable;
      if (!retryable || failures >= maxFailures || signal.aborted) throw err;
      const asked = typeof err.nextRetryDelay === 'number' ? err.nextRetryDelay : undefined;
      opts.beat?.();
      await sleep(Math.min(asked ?? delay, MAX_PAUSE_MS), signal);
      delay *= 2;
    }
  }
}

/** The first pause between two polls of a wait; short, since many jobs and runs end within seconds. */
export const FIRST_POLL_PAUSE_MS = 100;

/**
 * The pauses between the polls of a wait: from FIRST_POLL_PAUSE_MS, doubling up to `intervalMs`.
 * A job that ends in a second is seen then, not one full interval later, for a handful of extra
 * polls over a long wait.
 */
export function* pollPauses(intervalMs: number): Generator<number, never> {
  let pause = Math.min(FIRST_POLL_PAUSE_MS, intervalMs);
  for (;;) {
    yield pause;
    pause = Math.min(pause * 2, intervalMs);
  }
}
