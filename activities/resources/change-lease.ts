/**
 * `resources:change-lease`: changes a resource's lease through its resource workflow (the
 * `changeLease` update, as `POST /v1/resources/{type}/{name}/lease` does), for a lease change
 * that waited for an approval (templates/resource-lease.json). Idempotent: it sets the given end.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { absentResource } from '../../common/authority';
import { failure } from '../../common/errors';
import { findResource } from '../../resource-handlers/store';
import { changeLeaseUpdate } from '../../workflows/definitions';
import { defineTask, type TaskContext } from '../task';
import type { ResourceDeps } from './deps';
import { resourceNameSchema, resourceTypeSchema } from './schemas';

export const changeLease = defineTask({
  id: 'resources:change-lease',
  description: "Sets a resource's lease end through its resource workflow; the lease timer follows at once.",
  timeouts: 'short',
  input: z.object({
    resourceType: resourceTypeSchema,
    name: resourceNameSchema,
    /** The trace that built it: a name rebuilt by another trace is not touched. */
    traceId: z.string().min(1),
    leaseEnd: z.iso.datetime({ offset: true }),
    /** Who asked (and who approved), for the lease's events. */
    by: z.string().min(1),
  }),
  output: z.object({ leaseEnd: z.string().nullable(), state: z.string() }),
  examples: [
    {
      resourceType: 'virtual_machine',
      name: 'web-01',
      traceId: 'trc_example',
      leaseEnd: '2027-06-30T00:00:00Z',
      by: 'carol@example.com, approved by olga@example.com',
    },
  ],
  async handler(input, ctx: TaskContext<ResourceDeps>) {
    const call = { system: 'temporal', call: 'resources:change-lease' };
    const found = await findResource(ctx.deps.pool, input.resourceType, input.name);
    if (!found || found.traceId !== input.traceId || found.state === 'removed' || !found.workflowId)
      throw failure('NotFound', absentResource(input.resourceType, input.name), call);
    try {
      const life = await Context.current()
        .client.workflow.getHandle(found.workflowId)
        .executeUpdate(changeLeaseUpdate, { args: [{ leaseEnd: input.leaseEnd, by: input.by }] });
      return { leaseEnd: life.leaseEnd, state: life.state };
    } catch (err) {
      // Its removal started meanwhile, or it is gone: the change cannot happen, now or later.
      if (err instanceof WorkflowUpdateFailedError)
        throw failure('InvalidInput', err.cause?.message ?? err.message, call);
      if (err instanceof WorkflowNotFoundError)
        throw failure('NotFound', absentResource(input.resourceType, input.name), call);
      throw err;
    }
  },
});
