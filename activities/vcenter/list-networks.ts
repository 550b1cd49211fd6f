/** `vcenter:list-networks`: port groups a VM's NIC can be backed by. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { idsFilter, moRefSchema, namesFilter } from './schemas';

export const listNetworks = defineTask({
  id: 'vcenter:list-networks',
  description: 'Lists vCenter networks (standard and distributed port groups), filtered by name or type.',
  timeouts: 'short',
  input: z.object({
    names: namesFilter,
    types: z.array(z.enum(['STANDARD_PORTGROUP', 'DISTRIBUTED_PORTGROUP', 'OPAQUE_NETWORK'])).optional(),
    datacenters: idsFilter,
    folders: idsFilter,
    networks: idsFilter,
  }),
  output: z.object({
    networks: z.array(z.object({ network: moRefSchema, name: z.string(), type: z.string() })),
  }),
  examples: [{}, { names: ['INTRANET_DEV'] }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const found = await ctx.deps.vcenter.listNetworks(input, ctx.signal);
    return { networks: found.map((n) => ({ network: n.network, name: n.name, type: n.type })) };
  },
});
