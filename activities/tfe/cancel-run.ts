/**
 * `tfe:cancel-run`: stops a run. A planning or applying run is cancelled; a run that waits for
 * confirmation (planned, cost estimated, policy checked) cannot be cancelled, only discarded, and
 * is discarded, which stops it the same way. A run that has already finished has nothing left to
 * stop, which counts as done, so a compensation can always run this.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import { finishedRunStatuses } from './client';
import type { TfeDeps } from './deps';
import { performRunAction } from './run-actions';
import { runIdSchema, runSummarySchema, summarizeRun } from './schemas';

export const cancelRun = defineTask({
  id: 'tfe:cancel-run',
  description:
    'Stops a TFE run in progress (a run waiting for confirmation is discarded); a run that already finished is left as it is.',
  timeouts: 'short',
  input: z.object({ runId: runIdSchema, comment: z.string().max(500).optional() }),
  output: runSummarySchema.extend({ accepted: z.boolean() }),
  examples: [{ runId: 'run-abc123' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const { tfe } = ctx.deps;
    const perform = async (action: 'cancel' | 'discard') => {
      const plan = { action, alreadyDone: finishedRunStatuses, impossible: [] };
      const { run, accepted } = await performRunAction(tfe, plan, input.runId, input.comment, ctx.signal);
      return { ...run, accepted };
    };
    try {
      return await perform('cancel');
    } catch (err) {
      if (!summarizeRun(await tfe.readRun(input.runId, ctx.signal)).isConfirmable) throw err;
      return await perform('discard');
    }
  },
});
