/**
 * `tfe:wait-run`: polls a run (`GET /runs/:id`, not the rate-limited list) until it finishes, or
 * until it waits for confirmation when `until` is `confirmable` (plan reviewed, then applied by
 * `tfe:apply-run` — perhaps after an approval). Each poll heartbeats; a retry resumes from the
 * last heartbeat, keeping when the wait began and the poll count; passing upstream trouble (5xx,
 * 429 with its delay) is waited out within the attempt. Cancellation stops the wait
 * only (canceling the run is `tfe:cancel-run`). A run that ends errored, discarded or canceled is
 * a non-retryable RunErrored, a soft-failed policy a PolicyFailed, both carrying the run id.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { pollPauses, sleep, withPatience } from '../http';
import { defineTask, type TaskContext } from '../task';
import { finishedRunStatuses, type RunStatus } from './client';
import type { TfeDeps } from './deps';
import { runIdSchema, runStatusSchema, runSummarySchema, summarizeRun } from './schemas';

const progressSchema = z.object({
  runId: z.string(),
  waitingSince: z.number(),
  polls: z.number().int().min(0),
  status: runStatusSchema,
});

const failedStatuses: readonly RunStatus[] = ['errored', 'discarded', 'canceled', 'force_canceled'];

export const waitRun = defineTask({
  id: 'tfe:wait-run',
  description:
    'Waits for a TFE run to finish (or to await confirmation); fails with RunErrored if it does not succeed.',
  timeouts: 'long',
  input: z.object({
    runId: runIdSchema,
    until: z.enum(['finished', 'confirmable']).default('finished'),
    /** Overrides the longest pause between polls (TFE_POLL_INTERVAL_MS). */
    pollIntervalSeconds: z.number().positive().max(300).optional(),
  }),
  output: runSummarySchema.extend({
    polls: z.number().int().min(1),
    waitedMs: z.number().min(0),
    resumed: z.boolean(),
  }),
  examples: [{ runId: 'run-abc123' }, { runId: 'run-abc123', until: 'confirmable' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const earlier = progressSchema.safeParse(ctx.resumeFrom);
    const resumed = earlier.success && earlier.data.runId === input.runId;
    const waitingSince = resumed ? earlier.data.waitingSince : Date.now();
    let polls = resumed ? earlier.data.polls : 0;
    let lastStatus: string = resumed ? earlier.data.status : 'pending';
    const intervalMs =
      input.pollIntervalSeconds !== undefined ? input.pollIntervalSeconds * 1000 : ctx.deps.pollIntervalMs;
    const details = { system: 'tfe', call: 'tfe:wait-run', externalId: input.runId };

    const pauses = pollPauses(intervalMs);
    for (;;) {
      const run = summarizeRun(
        await withPatience(() => ctx.deps.tfe.readRun(input.runId, ctx.signal), ctx.signal, {
          initialDelayMs: intervalMs,
          beat: () => ctx.heartbeat({ runId: input.runId, waitingSince, polls, status: lastStatus }),
        }),
      );
      polls += 1;
      lastStatus = run.status;
      ctx.heartbeat({ runId: input.runId, waitingSince, polls, status: run.status });
      const status = run.status as RunStatus;
      const done = () => ({ ...run, polls, waitedMs: Date.now() - waitingSince, resumed });
      if (failedStatuses.includes(status))
        throw failure('RunErrored', `tfe run ${input.runId} ended ${status}`, {
          ...details,
          upstreamCode: status,
        });
      if (status === 'policy_soft_failed' && !run.isConfirmable)
        throw failure('PolicyFailed', `tfe run ${input.runId} failed its policy checks`, {
          ...details,
          upstreamCode: status,
        });
      if (finishedRunStatuses.includes(status)) return done();
      if (input.until === 'confirmable' && run.isConfirmable) return done();
      await sleep(pauses.next().value, ctx.signal);
    }
  },
});
