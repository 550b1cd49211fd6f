/**
 * `awx:wait-job`: polls a job until it finishes. Each poll heartbeats the job's status; a retry
 * (worker crash, heartbeat timeout) resumes from the last heartbeat, keeping the time the wait
 * began and the poll count, so the result reports the whole wait. Passing upstream trouble during
 * the wait (5xx, 429) is waited out within the attempt (see withPatience). Cancellation stops the wait
 * (it does not cancel the job: that is `awx:cancel-job`, a compensation's decision). A job that
 * ends failed, error or canceled is a non-retryable JobFailed carrying the job id.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { pollPauses, sleep, withPatience } from '../http';
import { defineTask, type TaskContext } from '../task';
import { isFinishedJob } from './client';
import type { AwxDeps } from './deps';
import { jobIdSchema, jobStatusSchema, jobSummarySchema, summarizeJob } from './schemas';

/** What a heartbeat records, and a retry reads back. */
const progressSchema = z.object({
  job: jobIdSchema,
  waitingSince: z.number(),
  polls: z.number().int().min(0),
  status: jobStatusSchema,
});

export const waitJob = defineTask({
  id: 'awx:wait-job',
  description: 'Waits for an AWX job to finish; fails with JobFailed unless it ends successful.',
  timeouts: 'long',
  input: z.object({
    job: jobIdSchema,
    /** Overrides the longest pause between polls (AWX_POLL_INTERVAL_MS). */
    pollIntervalSeconds: z.number().positive().max(300).optional(),
  }),
  output: jobSummarySchema.extend({
    polls: z.number().int().min(1),
    waitedMs: z.number().min(0),
    /** True when this attempt continued an earlier attempt's wait. */
    resumed: z.boolean(),
  }),
  examples: [{ job: 42 }],
  async handler(input, ctx: TaskContext<AwxDeps>) {
    const earlier = progressSchema.safeParse(ctx.resumeFrom);
    const resumed = earlier.success && earlier.data.job === input.job;
    const waitingSince = resumed ? earlier.data.waitingSince : Date.now();
    let polls = resumed ? earlier.data.polls : 0;
    let lastStatus = resumed ? earlier.data.status : ('pending' as const);
    const intervalMs =
      input.pollIntervalSeconds !== undefined ? input.pollIntervalSeconds * 1000 : ctx.deps.pollIntervalMs;

    const pauses = pollPauses(intervalMs);
    for (;;) {
      const job = await withPatience(() => ctx.deps.awx.readJob(input.job, ctx.signal), ctx.signal, {
        initialDelayMs: intervalMs,
        beat: () => ctx.heartbeat({ job: input.job, waitingSince, polls, status: lastStatus }),
      });
      lastStatus = job.status;
      polls += 1;
      ctx.heartbeat({ job: input.job, waitingSince, polls, status: job.status });
      if (isFinishedJob(job.status)) {
        if (job.status !== 'successful') {
          const why = job.job_explanation ? `: ${job.job_explanation}` : '';
          throw failure('JobFailed', `awx job ${job.id} ended ${job.status}${why}`, {
            system: 'awx',
            call: 'awx:wait-job',
            externalId: String(job.id),
            upstreamCode: job.status,
            ...(job.job_explanation ? { upstreamMessage: job.job_explanation } : {}),
          });
        }
        return { ...summarizeJob(job), polls, waitedMs: Date.now() - waitingSince, resumed };
      }
      await sleep(pauses.next().value, ctx.signal);
    }
  },
});
