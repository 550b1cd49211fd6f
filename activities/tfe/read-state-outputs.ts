/**
 * `tfe:read-state-outputs`: the outputs of a workspace's current state (a VM's id and address
 * after an apply). Sensitive outputs come back with a null value: they stay in TFE rather than
 * entering workflow history. TFE answers 503 while it still processes a new state; that is
 * retried like any unavailability.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { TfeDeps } from './deps';
import { workspaceIdSchema } from './schemas';

export const readStateOutputs = defineTask({
  id: 'tfe:read-state-outputs',
  description: "Reads the outputs of a TFE workspace's current state (sensitive values stay null).",
  timeouts: 'short',
  input: z.object({ workspaceId: workspaceIdSchema }),
  output: z.object({
    /** False when the workspace has no state yet. */
    hasState: z.boolean(),
    outputs: z.record(
      z.string(),
      z.object({ value: z.unknown(), sensitive: z.boolean(), type: z.string().nullable() }),
    ),
  }),
  examples: [{ workspaceId: 'ws-abc123' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const outputs = await ctx.deps.tfe.readCurrentStateVersionOutputs(input.workspaceId, ctx.signal);
    if (!outputs) return { hasState: false, outputs: {} };
    return {
      hasState: true,
      outputs: Object.fromEntries(
        outputs.map((o) => [
          o.attributes.name,
          {
            value: o.attributes.sensitive ? null : o.attributes.value,
            sensitive: o.attributes.sensitive,
            type: o.attributes.type ?? null,
          },
        ]),
      ),
    };
  },
});
