/**
 * `tfe:create-configuration-version`: a new configuration version to upload a module into. It is
 * always created with `auto-queue-runs: false`: the orchestrator creates its own run (to set the
 * message, auto-apply, destroy), and TFE's default `true` would queue a second run on upload.
 * The one-time upload URL leaves this activity sealed (see seal.ts), never in clear.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { TfeDeps } from './deps';
import { configurationVersionIdSchema, workspaceIdSchema } from './schemas';

export const createConfigurationVersion = defineTask({
  id: 'tfe:create-configuration-version',
  description: 'Creates a TFE configuration version that does not queue a run on upload.',
  timeouts: 'short',
  input: z.object({
    workspaceId: workspaceIdSchema,
    /** A speculative version can only make plan-only runs. */
    speculative: z.boolean().default(false),
  }),
  output: z.object({
    configurationVersionId: configurationVersionIdSchema,
    status: z.string(),
    /** The upload URL, sealed for `tfe:upload-configuration`; opaque to workflows. */
    sealedUploadUrl: z.string(),
  }),
  examples: [{ workspaceId: 'ws-abc123' }],
  async handler(input, ctx: TaskContext<TfeDeps>) {
    const cv = await ctx.deps.tfe.createConfigurationVersion(
      input.workspaceId,
      { 'auto-queue-runs': false, speculative: input.speculative },
      ctx.signal,
    );
    const uploadUrl = cv.attributes['upload-url'];
    if (!uploadUrl) throw new Error(`tfe: configuration version ${cv.id} was created without an upload-url`);
    return {
      configurationVersionId: cv.id,
      status: cv.attributes.status,
      sealedUploadUrl: ctx.deps.seal(uploadUrl),
    };
  },
});
