/**
 * `resources:resolve`: finds the existing resource a request acts on (a removal, and every later
 * action) and checks that the request may: its requester must own it, be in its group, or be an
 * admin. Anyone else is told the resource does not exist, with the words a name that was never
 * built gets, so the request fails without acting and without telling names apart. The API
 * checks the same before it records the request; this check holds for a request that reached
 * Temporal another way, or whose resource changed hands since.
 */
import { z } from 'zod';
import { absentResource, mayActOn } from '../../common/authority';
import { failure } from '../../common/errors';
import { busyMessage } from '../../common/lifecycle';
import { exists, findResource } from '../../resource-handlers/store';
import { defineTask, type TaskContext } from '../task';
import type { ResourceDeps } from './deps';
import { actorSchema, resourceNameSchema, resourceTypeSchema } from './schemas';

const call = 'resources:resolve';

export const resolveResource = defineTask({
  id: call,
  description:
    'Finds the resource a request acts on and checks that its requester owns it, is in its group or is an admin.',
  timeouts: 'short',
  input: z.object({
    resourceType: resourceTypeSchema,
    name: resourceNameSchema,
    /** Who the request acts for. */
    requester: actorSchema,
    /** The resource's position in the request, so field paths read `resources.<index>.…`. */
    index: z.number().int().min(0).default(0),
  }),
  output: z.object({
    resourceType: resourceTypeSchema,
    name: resourceNameSchema,
    managed: z.boolean(),
    owner: z.string(),
    group: z.string().nullable(),
    /** The workflow that owns its life and queues the actions on it; null for one built before those. */
    workflowId: z.string().nullable().default(null),
  }),
  examples: [
    {
      resourceType: 'virtual_machine',
      name: 'web-01',
      requester: { subject: 'bob@example.com', role: 'requester', groups: ['web'] },
      index: 0,
    },
  ],
  async handler(input, ctx: TaskContext<ResourceDeps>) {
    const path = `resources.${input.index}.name`;
    const found = await findResource(ctx.deps.pool, input.resourceType, input.name);
    if (!exists(found) || !mayActOn(input.requester, found)) {
      const message = absentResource(input.resourceType, input.name);
      throw failure('NotFound', `${call}: ${path}: ${message}`, {
        system: 'resources',
        call,
        fields: [{ path, message }],
      });
    }
    // Past the API's check, the resource's workflow orders the actions on it (a lease's own
    // decommission acts on a resource `removing`); only one still being built cannot be acted on.
    if (found.state === 'building') {
      const message = busyMessage(found);
      throw failure('InvalidInput', `${call}: ${path}: ${message}`, {
        system: 'resources',
        call,
        fields: [{ path, message }],
      });
    }
    return {
      resourceType: found.type,
      name: found.name,
      managed: found.managed,
      owner: found.owner,
      group: found.group,
      workflowId: found.workflowId,
    };
  },
});
