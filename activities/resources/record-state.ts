/**
 * `resources:record-state`: a resource workflow records its resource's state, lease end and
 * itself in the inventory, and learns whose the resource is now (an admin may have given it to
 * someone else). Idempotent: it writes the given values.
 */
import { z } from 'zod';
import { resourceStates } from '../../common/lifecycle';
import { recordState } from '../../resource-handlers/store';
import { defineTask, type TaskContext } from '../task';
import type { ResourceDeps } from './deps';
import { resourceNameSchema, resourceTypeSchema } from './schemas';

export const recordResourceState = defineTask({
  id: 'resources:record-state',
  description: "Records a resource's state and lease end in the inventory; returns its owner and group.",
  timeouts: 'short',
  input: z.object({
    resourceType: resourceTypeSchema,
    name: resourceNameSchema,
    /** The trace that built it: a name rebuilt by another trace is not touched. */
    traceId: z.string().min(1),
    state: z.enum(resourceStates),
    /** Absent: unchanged; null: no lease. */
    leaseEnd: z.iso.datetime({ offset: true }).nullable().optional(),
    workflowId: z.string().min(1).optional(),
  }),
  output: z
    .object({
      owner: z.string(),
      group: z.string().nullable(),
      managed: z.boolean(),
      state: z.enum(resourceStates),
    })
    .nullable(),
  examples: [
    {
      resourceType: 'virtual_machine',
      name: 'web-01',
      traceId: 'trc_example',
      state: 'active',
      leaseEnd: '2030-01-01T00:00:00Z',
    },
  ],
  async handler(input, ctx: TaskContext<ResourceDeps>) {
    const record = await recordState(ctx.deps.pool, {
      type: input.resourceType,
      name: input.name,
      traceId: input.traceId,
      state: input.state,
      ...(input.leaseEnd !== undefined ? { leaseEnd: input.leaseEnd } : {}),
      ...(input.workflowId ? { workflowId: input.workflowId } : {}),
    });
    return record
      ? { owner: record.owner, group: record.group, managed: record.managed, state: record.state }
      : null;
  },
});
