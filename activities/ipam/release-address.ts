/**
 * `ipam:release-address`: frees the address a resource holds, when it is decommissioned or when
 * the request that prepared it fails (the undo of `resources:prepare`, which passes its trace so
 * it frees only what its own trace allocated). Releasing an address already free releases
 * nothing and succeeds, so retries and repeated undos are harmless. A network's "address" is the
 * subnet its prepare reserved: an undo (with its trace) gives back a reservation never opened.
 */
import { z } from 'zod';
import { releaseAddress, removePool } from '../../resource-handlers/store';
import { resourceNameSchema, resourceTypeSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { IpamDeps } from './deps';

export const releaseAddressTask = defineTask({
  id: 'ipam:release-address',
  description: "Releases a resource's IP address back to its network's pool; idempotent.",
  timeouts: 'short',
  input: z.object({
    resourceType: resourceTypeSchema,
    name: resourceNameSchema,
    /** The request that releases (a decommission, or the failed request compensating). */
    requestId: z.string().min(1),
    /** Release only an address allocated in this trace (what an undo passes). */
    traceId: z.string().min(1).optional(),
    /** Release only this address. */
    address: z.ipv4().optional(),
  }),
  output: z.object({
    released: z.array(z.object({ network: z.string(), address: z.string() })),
  }),
  examples: [{ resourceType: 'virtual_machine', name: 'web-01', requestId: 'req_example' }],
  async handler(input, ctx: TaskContext<IpamDeps>) {
    const released = await releaseAddress(ctx.deps.pool, {
      resourceType: input.resourceType,
      resourceName: input.name,
      requestId: input.requestId,
      address: input.address,
      heldByTraceId: input.traceId,
    });
    if (input.resourceType === 'network' && input.traceId !== undefined)
      await removePool(ctx.deps.pool, { network: input.name, traceId: input.traceId });
    return { released: released.map((r) => ({ network: r.network, address: r.address })) };
  },
});
