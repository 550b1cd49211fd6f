/**
 * `tfe:cancel-run`: interrupts a planning or applying run. A run that has already finished has
 * nothing left to cancel, which counts as done, so a compensation can always run this.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import { finishedRunStatuses } from './client';
import type { TfeDeps } from './deps';
import { performRunAction } from './run-actions';
import { runIdSchema, runSummarySchema } from './schemas';

export const cancelRun = defineTask({
  id: 'tfe:cancel-run',
  description: 'Cancels a TFE run in progress; a run that already finished is left as it is.',
  timeouts: 'short',
  input: z.object({ runId: runIdSchema, comment: z.string().max(500).optional() }),
  output: runSummarySchema.extend({ accepted: z.boolean() }),
  examples: [{ runId: 'run-abc123' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const { run, accepted } = await performRunAction(
      ctx.deps.tfe,
      { action: 'cancel', alreadyDone: finishedRunStatuses, impossible: [] },
      input.runId,
      input.comment,
      ctx.signal,
    );
    return { ...run, accepted };
  },
});
