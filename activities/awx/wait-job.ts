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
import { pollPauses, scrubSecrets, sleep, truncate, withPatience } from '../http';
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
          const stdout = await ctx.deps.awx.readJobStdout(job.id, 'txt', ctx.signal).catch(() => '');
          const reason = jobFailureReason(stdout);
          const task = reason.task ? ` at task "${reason.task}"` : '';
          const why = job.job_explanation ? `: ${job.job_explanation}` : '';
          const tail = reason.lastLines.length ? `\n${reason.lastLines.join('\n')}` : '';
          const upstreamMessage = [job.job_explanation, ...reason.lastLines].filter(Boolean).join('\n');
          throw failure('JobFailed', truncate(`awx job ${job.id} ended ${job.status}${task}${why}${tail}`), {
            system: 'awx',
            call: 'awx:wait-job',
            externalId: String(job.id),
            upstreamCode: job.status,
            ...(upstreamMessage ? { upstreamMessage: truncate(upstreamMessage) } : {}),
          });
        }
        return { ...summarizeJob(job), polls, waitedMs: Date.now() - waitingSince, resumed };
      }
      await sleep(pauses.next().value, ctx.signal);
    }
  },
});

/** Lines of a failed job's output a failure carries, and how long each may be. */
const TAIL_LINES = 8;
const LINE_CHARS = 300;

/**
 * A failed job's own reason, from its stdout: the task that failed (the last `TASK [...]` header
 * before the first `fatal:`/`failed:` line) and the last lines before the play recap, each
 * bounded and scrubbed of credentials (a playbook may print what it was given).
 */
export function jobFailureReason(stdout: string): { task?: string; lastLines: string[] } {
  const lines = stdout.split(/\r?\n/);
  const recap = lines.findIndex((l) => l.startsWith('PLAY RECAP'));
  const body = (recap === -1 ? lines : lines.slice(0, recap)).filter((l) => l.trim() !== '');
  const fatal = body.findIndex((l) => /^(fatal|failed): /.test(l));
  const task = body
    .slice(0, fatal === -1 ? body.length : fatal)
    .reverse()
    .map((l) => /^TASK \[(.+?)\]/.exec(l)?.[1])
    .find((t) => t !== undefined);
  const lastLines = body
    .slice(-TAIL_LINES)
    .filter((l) => !/^(TASK|PLAY) \[/.test(l))
    // Scrubbed before it is cut, so that half a secret is never left behind.
    .map((l) => scrubSecrets(l))
    .map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}…` : l));
  return { ...(task ? { task: scrubSecrets(task) } : {}), lastLines };
}
