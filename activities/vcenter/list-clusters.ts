/** `vcenter:list-clusters`: clusters a VM can be placed in. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { idsFilter, moRefSchema, namesFilter } from './schemas';

export const listClusters = defineTask({
  id: 'vcenter:list-clusters',
  description: 'Lists vCenter clusters, filtered by name, datacenter or folder.',
  timeouts: 'short',
  input: z.object({ names: namesFilter, datacenters: idsFilter, folders: idsFilter, clusters: idsFilter }),
  output: z.object({
    clusters: z.array(
      z.object({
        cluster: moRefSchema,
        name: z.string(),
        haEnabled: z.boolean().nullable(),
        drsEnabled: z.boolean().nullable(),
      }),
    ),
  }),
  examples: [{}, { names: ['cluster-a'] }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const found = await ctx.deps.vcenter.listClusters(input, ctx.signal);
    return {
      clusters: found.map((c) => ({
        cluster: c.cluster,
        name: c.name,
        haEnabled: c.ha_enabled ?? null,
        drsEnabled: c.drs_enabled ?? null,
      })),
    };
  },
});
