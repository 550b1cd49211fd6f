/**
 * `rfm:read-resource`: a resource's common format and metadata as committed, at a commit (what
 * the Ansible and Terraform wrappers render from) or at the branch tip (what a decommission
 * removes).
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import {
  commonFormatDocumentSchema,
  resourceMetadataSchema,
  resourceNameSchema,
  resourceTypeSchema,
} from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { RfmDeps } from './deps';
import { documentPath, gitFailure, metadataPath } from './layout';

const call = 'rfm:read-resource';

export const readResource = defineTask({
  id: call,
  description: "Reads a resource's common format and metadata from its type's git repository.",
  timeouts: 'short',
  preview: 'read',
  input: z.object({
    resourceType: resourceTypeSchema,
    name: resourceNameSchema,
    /** A commit SHA (full or abbreviated); the branch tip when absent or null. */
    commit: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/, 'a commit SHA')
      .nullish(),
  }),
  output: z.object({
    repoUrl: z.string(),
    commit: z.string(),
    document: commonFormatDocumentSchema,
    metadata: resourceMetadataSchema,
  }),
  examples: [{ resourceType: 'virtual_machine', name: 'web-01' }],
  async handler(input, ctx: TaskContext<RfmDeps>) {
    const { repositories, registry } = ctx.deps;
    if (!registry.has(input.resourceType))
      throw failure('InvalidInput', `${call}: unknown resource type '${input.resourceType}'`, {
        system: 'git',
        call,
        fields: [{ path: 'input.resourceType', message: `one of ${registry.types().join(', ')}` }],
      });
    try {
      const files = [documentPath(input.name), metadataPath(input.name)];
      const { commit, contents } = await repositories.read(
        input.resourceType,
        files,
        input.commit ?? undefined,
      );
      return {
        repoUrl: repositories.publicUrlOf(input.resourceType),
        commit,
        document: JSON.parse(contents[files[0]!]!) as unknown as z.input<typeof commonFormatDocumentSchema>,
        metadata: JSON.parse(contents[files[1]!]!) as z.input<typeof resourceMetadataSchema>,
      };
    } catch (err) {
      throw gitFailure(call, err);
    }
  },
});
