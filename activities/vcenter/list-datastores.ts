/** `vcenter:list-datastores`: datastores with their free space, for placement decisions. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { idsFilter, moRefSchema, namesFilter } from './schemas';

export const listDatastores = defineTask({
  id: 'vcenter:list-datastores',
  description: 'Lists vCenter datastores with capacity and free space, filtered by name, type or datacenter.',
  timeouts: 'short',
  input: z.object({
    names: namesFilter,
    types: z.array(z.enum(['VMFS', 'NFS', 'NFS41', 'CIFS', 'VSAN', 'VFFS', 'VVOL'])).optional(),
    datacenters: idsFilter,
    folders: idsFilter,
    datastores: idsFilter,
  }),
  output: z.object({
    datastores: z.array(
      z.object({
        datastore: moRefSchema,
        name: z.string(),
        type: z.string(),
        freeSpaceBytes: z.number().nullable(),
        capacityBytes: z.number().nullable(),
      }),
    ),
  }),
  examples: [{}, { types: ['VSAN'] }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const found = await ctx.deps.vcenter.listDatastores(input, ctx.signal);
    return {
      datastores: found.map((d) => ({
        datastore: d.datastore,
        name: d.name,
        type: d.type,
        freeSpaceBytes: d.free_space ?? null,
        capacityBytes: d.capacity ?? null,
      })),
    };
  },
});
