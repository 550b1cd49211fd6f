/**
 * Tasks for the engine's integration tests, declared with the real defineTask so input checks,
 * heartbeats and cancellation go through the same path as the end-system tasks. Every call is
 * written to `log` so a test can assert what ran, in which order.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { failure } from '../../../common/errors';
import { defineTask, type AnyTask } from '../../../activities/task';

const recordInput = z.object({
  label: z.string(),
  /** Keep running this long, heartbeating, unless cancelled. */
  ms: z.number().int().nonnegative().optional(),
  /** Wait here until `meetCount` calls with the same `meet` have arrived (or 10 s passed). */
  meet: z.string().optional(),
  meetCount: z.number().int().positive().optional(),
  fail: z.enum(['retryable', 'fatal']).optional(),
  /** Fail for good while the test holds this fault in `faults` (a fault that can be cleared). */
  failWhile: z.string().optional(),
});

/**
 * The test tasks, logging into `log`; they run on the test's own queue (see engine-fixture). A
 * call naming a fault of `faults` in `failWhile` fails while the test keeps that fault there.
 */
export function engineTasks(log: string[], faults: ReadonlySet<string> = new Set()): AnyTask<unknown>[] {
  const arrivals = new Map<string, number>();
  const record = defineTask({
    id: 'test:record',
    description: 'records its label; can wait, meet other calls, or fail',
    timeouts: 'short',
    input: recordInput,
    output: z.object({ label: z.string(), id: z.string(), externalIds: z.record(z.string(), z.string()) }),
    async handler(input, ctx) {
      log.push(`start:${input.label}`);
      // What an end system would tell one launch from another by (AWX's extra var, TFE's marker).
      log.push(`key:${input.label}:${ctx.idempotencyKey}`);
      if (input.fail === 'fatal' || (input.failWhile !== undefined && faults.has(input.failWhile)))
        throw failure('JobFailed', `${input.label} failed for good`, {
          system: 'test',
          call: 'test:record',
          externalId: `job-${input.label}`,
        });
      if (input.fail === 'retryable')
        throw failure('UpstreamUnavailable', `${input.label} is unavailable`, {
          system: 'test',
          call: 'test:record',
        });
      if (input.meet) {
        arrivals.set(input.meet, (arrivals.get(input.meet) ?? 0) + 1);
        const until = Date.now() + 10_000;
        while ((arrivals.get(input.meet) ?? 0) < (input.meetCount ?? 2) && Date.now() < until)
          await delay(20);
      }
      const until = Date.now() + (input.ms ?? 0);
      while (Date.now() < until) {
        ctx.heartbeat();
        await delay(100);
        if (ctx.signal.aborted) {
          log.push(`cancelled:${input.label}`);
          throw ctx.signal.reason;
        }
      }
      log.push(`end:${input.label}`);
      return { label: input.label, id: `id-${input.label}`, externalIds: { thing: `id-${input.label}` } };
    },
  });
  // The same as a wait on an end system (timeout profile `long`), as `awx:wait-job` is.
  const wait = defineTask({ ...record, id: 'test:wait', timeouts: 'long' });
  const undo = defineTask({
    id: 'test:undo',
    description: 'records the undo of a label',
    timeouts: 'short',
    input: z.object({ label: z.string(), id: z.string().optional() }),
    output: z.object({}),
    async handler(input) {
      log.push(`undo:${input.label}`);
      return {};
    },
  });
  return [record, wait, undo];
}
