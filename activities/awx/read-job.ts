/** `awx:read-job`: one read of a job's status and timing. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { AwxDeps } from './deps';
import { jobIdSchema, jobSummarySchema, summarizeJob } from './schemas';

export const readJob = defineTask({
  id: 'awx:read-job',
  description: "Reads an AWX job's status, start and finish times.",
  timeouts: 'short',
  input: z.object({ job: jobIdSchema }),
  output: jobSummarySchema,
  examples: [{ job: 42 }],
  async handler(input, ctx: TaskContext<AwxDeps>) {
    return summarizeJob(await ctx.deps.awx.readJob(input.job, ctx.signal));
  },
});
