/** `tfe:read-run`: one read of a run's status and the actions it allows now. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { TfeDeps } from './deps';
import { runIdSchema, runSummarySchema, summarizeRun } from './schemas';

export const readRun = defineTask({
  id: 'tfe:read-run',
  description: "Reads a TFE run's status and whether it can be applied, discarded or canceled.",
  timeouts: 'short',
  input: z.object({ runId: runIdSchema }),
  output: runSummarySchema,
  examples: [{ runId: 'run-abc123' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    return summarizeRun(await ctx.deps.tfe.readRun(input.runId, ctx.signal));
  },
});
