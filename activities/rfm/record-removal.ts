/**
 * `rfm:record-removal`: commits the removal of decommissioned resources (their folders) in one
 * commit. Removing what the branch no longer holds makes no commit and returns the commit that
 * removed it (null if it was never there), so retries and re-runs are no-ops.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { resourceNameSchema, resourceTypeSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { RfmDeps } from './deps';
import { commitMessage, documentPath, gitFailure } from './layout';

const call = 'rfm:record-removal';

export const recordRemoval = defineTask({
  id: call,
  description: "Commits the removal of decommissioned resources from their type's git repository.",
  timeouts: 'short',
  input: z.object({
    resourceType: resourceTypeSchema,
    names: z.array(resourceNameSchema).min(1),
    requestId: z.string().min(1),
    traceId: z.string().min(1),
  }),
  output: z.object({
    repoUrl: z.string(),
    commit: z.string().nullable(),
    created: z.boolean(),
  }),
  examples: [
    { resourceType: 'virtual_machine', names: ['web-01'], requestId: 'req_example', traceId: 'trc_example' },
  ],
  async handler(input, ctx: TaskContext<RfmDeps>) {
    const { repositories, registry } = ctx.deps;
    if (!registry.has(input.resourceType))
      throw failure('InvalidInput', `${call}: unknown resource type '${input.resourceType}'`, {
        system: 'git',
        call,
        fields: [{ path: 'input.resourceType', message: `one of ${registry.types().join(', ')}` }],
      });
    const names = [...new Set(input.names)];
    const subject = `${input.resourceType}: remove ${names.join(', ')} (${input.requestId})`;
    try {
      const result = await repositories.change(
        input.resourceType,
        Object.fromEntries(names.map((n) => [n, null])),
        commitMessage(subject, input),
        { removalProbes: names.map(documentPath) },
      );
      return { repoUrl: repositories.publicUrlOf(input.resourceType), ...result };
    } catch (err) {
      throw gitFailure(call, err);
    }
  },
});
