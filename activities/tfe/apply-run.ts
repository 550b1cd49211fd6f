/** `tfe:apply-run`: confirms a run that waits for confirmation, so its apply starts. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import { applyStartedRunStatuses } from './client';
import type { TfeDeps } from './deps';
import { performRunAction } from './run-actions';
import { runIdSchema, runSummarySchema } from './schemas';

export const applyRun = defineTask({
  id: 'tfe:apply-run',
  description:
    'Applies a TFE run that is waiting for confirmation; an already-confirmed run is left as it is.',
  timeouts: 'short',
  input: z.object({ runId: runIdSchema, comment: z.string().max(500).optional() }),
  output: runSummarySchema.extend({ accepted: z.boolean() }),
  examples: [{ runId: 'run-abc123', comment: 'approved by jane' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const { run, accepted } = await performRunAction(
      ctx.deps.tfe,
      {
        action: 'apply',
        alreadyDone: applyStartedRunStatuses,
        impossible: ['discarded', 'errored', 'canceled', 'force_canceled', 'planned_and_finished'],
      },
      input.runId,
      input.comment,
      ctx.signal,
    );
    return { ...run, accepted };
  },
});
