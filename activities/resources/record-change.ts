/**
 * `resources:record-change`: once a day-2 change succeeded, the inventory shows the resource as
 * it is now (its size and power from the changed common format). Its lease end is the resource
 * workflow's to record. Idempotent: it writes the given values.
 */
import { z } from 'zod';
import { recordSummary } from '../../resource-handlers/store';
import { defineTask, type TaskContext } from '../task';
import type { ResourceDeps } from './deps';
import { commonFormatDocumentSchema } from './schemas';

export const recordChange = defineTask({
  id: 'resources:record-change',
  description: 'Records in the inventory the size and placement of a resource a day-2 change left.',
  timeouts: 'short',
  input: z.object({ document: commonFormatDocumentSchema }),
  output: z.object({ recorded: z.boolean() }),
  examples: [{ document: { formatVersion: 1, resourceType: 'virtual_machine', name: 'web-01' } }],
  async handler(input, ctx: TaskContext<ResourceDeps>) {
    const handler = ctx.deps.registry.get(input.document.resourceType);
    const { size, placement } = handler.summarize(input.document as Parameters<typeof handler.summarize>[0]);
    const recorded = await recordSummary(
      ctx.deps.pool,
      { type: handler.type, name: input.document.name },
      { size, placement },
    );
    return { recorded };
  },
});
