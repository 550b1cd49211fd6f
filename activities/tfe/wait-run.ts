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
import { pollPauses, sleep, truncate, withPatience } from '../http';
import { defineTask, type TaskContext } from '../task';
import { finishedRunStatuses, type RunStatus, type TfeClient } from './client';
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
      if (failedStatuses.includes(status)) {
        const errors = status === 'errored' ? await runErrorLines(ctx.deps.tfe, input.runId, ctx.signal) : [];
        const why = errors.length ? `:\n${errors.join('\n')}` : '';
        throw failure('RunErrored', truncate(`tfe run ${input.runId} ended ${status}${why}`), {
          ...details,
          upstreamCode: status,
          ...(errors.length ? { upstreamMessage: truncate(errors.join('\n')) } : {}),
        });
      }
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

/** Lines of an errored phase's log a failure carries, and how long each may be. */
const ERROR_LINES = 12;
const LINE_CHARS = 300;

/**
 * An errored run's own reason: the `Error:` blocks of the plan's log, or of the apply's when the
 * plan finished. Best effort: a log that cannot be read leaves the reason to the run's status.
 */
export async function runErrorLines(tfe: TfeClient, runId: string, signal?: AbortSignal): Promise<string[]> {
  try {
    const run = await tfe.readRun(runId, signal);
    for (const [name, kind] of [
      ['plan', 'plans'],
      ['apply', 'applies'],
    ] as const) {
      const ref = run.relationships?.[name]?.data;
      if (!ref || Array.isArray(ref)) continue;
      const phase = await tfe.readRunPhase(kind, ref.id, signal);
      const url = phase.attributes['log-read-url'];
      if (phase.attributes.status !== 'errored' || !url) continue;
      return terraformErrors(await tfe.readLog(url, signal));
    }
  } catch {
    // The run's status already says it errored; a log out of reach must not hide that.
  }
  return [];
}

/** The `Error:` lines of a Terraform log and the lines that follow each, bounded. */
export function terraformErrors(log: string): string[] {
  const lines = log.split(/\r?\n/).map((l) => l.trimEnd());
  const start = lines.findIndex((l) => /^(\u2577\s*)?(│\s*)?Error: /.test(l.trim()));
  if (start === -1) return [];
  return lines
    .slice(start)
    .filter((l) => l.trim() !== '')
    .slice(0, ERROR_LINES)
    .map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}…` : l));
}
