/**
 * `awx:read-job-stdout`: a job's standard output as plain text. The text travels in workflow
 * history, so it is capped (the end of the output is kept: that is where failures show). It can
 * be partial until AWX has processed all job events; `complete` says whether it had.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import { isFinishedJob } from './client';
import type { AwxDeps } from './deps';
import { jobIdSchema, jobStatusSchema } from './schemas';

export const readJobStdout = defineTask({
  id: 'awx:read-job-stdout',
  description: "Reads an AWX job's standard output (plain text, the last maxChars characters).",
  timeouts: 'short',
  input: z.object({
    job: jobIdSchema,
    maxChars: z.number().int().positive().max(1_000_000).default(65_536),
  }),
  output: z.object({
    job: jobIdSchema,
    status: jobStatusSchema,
    content: z.string(),
    truncated: z.boolean(),
    totalChars: z.number().int().min(0),
    /** False while AWX is still processing job events: the text may grow. */
    complete: z.boolean(),
  }),
  examples: [{ job: 42 }, { job: 42, maxChars: 4096 }],
  async handler(input, ctx: TaskContext<AwxDeps>) {
    const job = await ctx.deps.awx.readJob(input.job, ctx.signal);
    const text = await ctx.deps.awx.readJobStdout(input.job, 'txt', ctx.signal);
    const truncated = text.length > input.maxChars;
    return {
      job: input.job,
      status: job.status,
      content: truncated ? text.slice(text.length - input.maxChars) : text,
      truncated,
      totalChars: text.length,
      complete: job.event_processing_finished ?? isFinishedJob(job.status),
    };
  },
});
