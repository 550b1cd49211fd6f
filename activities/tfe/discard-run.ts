/** `tfe:discard-run`: drops a run that waits for confirmation (a rejected approval, an undo). */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import { applyStartedRunStatuses } from './client';
import type { TfeDeps } from './deps';
import { performRunAction } from './run-actions';
import { runIdSchema, runSummarySchema } from './schemas';

export const discardRun = defineTask({
  id: 'tfe:discard-run',
  description:
    'Discards a TFE run that is waiting for confirmation; an already-discarded run is left as it is.',
  timeouts: 'short',
  input: z.object({ runId: runIdSchema, comment: z.string().max(500).optional() }),
  output: runSummarySchema.extend({ accepted: z.boolean() }),
  examples: [{ runId: 'run-abc123', comment: 'approval rejected' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const { run, accepted } = await performRunAction(
      ctx.deps.tfe,
      {
        action: 'discard',
        alreadyDone: ['discarded'],
        impossible: [
          ...applyStartedRunStatuses,
          'errored',
          'canceled',
          'force_canceled',
          'planned_and_finished',
        ],
      },
      input.runId,
      input.comment,
      ctx.signal,
    );
    return { ...run, accepted };
  },
});
