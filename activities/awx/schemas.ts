/** Schemas the AWX tasks share: a job as workflows see it. */
import { z } from 'zod';
import { jobStatuses, type Job } from './client';

/** AWX job statuses, verbatim. */
export const jobStatusSchema = z.enum(jobStatuses);

/** An AWX job id (AWX ids are positive integers). */
export const jobIdSchema = z.number().int().positive();

/** The fields of a job a workflow may act on; never its extra_vars (they may hold secrets). */
export const jobSummarySchema = z.object({
  job: jobIdSchema,
  status: jobStatusSchema,
  failed: z.boolean(),
  started: z.string().nullable(),
  finished: z.string().nullable(),
  elapsed: z.number(),
  jobExplanation: z.string(),
});

/** A job as workflows see it. */
export type JobSummary = z.infer<typeof jobSummarySchema>;

/** Maps AWX's job to the summary. */
export function summarizeJob(job: Job): JobSummary {
  return {
    job: job.id,
    status: job.status,
    failed: job.failed,
    started: job.started ?? null,
    finished: job.finished ?? null,
    elapsed: Number(job.elapsed ?? 0),
    jobExplanation: job.job_explanation ?? '',
  };
}
