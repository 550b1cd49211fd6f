/**
 * `awx:cancel-job`: asks AWX to cancel a job. Idempotent: a job that already finished (AWX answers
 * 405) is reported with its final status rather than failing, so a compensation can always run it.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { AwxDeps } from './deps';
import { jobIdSchema, jobStatusSchema } from './schemas';

export const cancelJob = defineTask({
  id: 'awx:cancel-job',
  description: 'Cancels an AWX job; a job that already finished is left as it is.',
  timeouts: 'short',
  input: z.object({ job: jobIdSchema }),
  output: z.object({
    job: jobIdSchema,
    /** True when AWX accepted the cancel; false when the job had already finished. */
    cancelRequested: z.boolean(),
    /** The status right after the request (a running job shows `running` until its process stops). */
    status: jobStatusSchema,
  }),
  examples: [{ job: 42 }],
  async handler(input, ctx: TaskContext<AwxDeps>) {
    const cancelRequested = await ctx.deps.awx.cancelJob(input.job, ctx.signal);
    const job = await ctx.deps.awx.readJob(input.job, ctx.signal);
    return { job: input.job, cancelRequested, status: job.status };
  },
});
