/**
 * `vcenter:list-vms`: VMs matching filters; the way to find a VM by name (names are unique only
 * within a folder, so give the folder when it matters). No match is an empty list, not an error.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { idsFilter, namesFilter, powerStateSchema, vmIdSchema } from './schemas';

export const listVms = defineTask({
  id: 'vcenter:list-vms',
  description: 'Lists vCenter VMs, filtered by name, folder, cluster, power state or id.',
  timeouts: 'short',
  input: z.object({
    names: namesFilter,
    folders: idsFilter,
    datacenters: idsFilter,
    hosts: idsFilter,
    clusters: idsFilter,
    resourcePools: idsFilter,
    powerStates: z.array(powerStateSchema).optional(),
    vms: z.array(vmIdSchema).optional(),
  }),
  output: z.object({
    vms: z.array(
      z.object({
        vm: vmIdSchema,
        name: z.string(),
        powerState: powerStateSchema,
        cpuCount: z.number().int().nullable(),
        memoryMiB: z.number().int().nullable(),
      }),
    ),
  }),
  examples: [{ names: ['web-01'] }, { powerStates: ['POWERED_ON'] }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const found = await ctx.deps.vcenter.listVms(
      {
        names: input.names,
        folders: input.folders,
        datacenters: input.datacenters,
        hosts: input.hosts,
        clusters: input.clusters,
        resource_pools: input.resourcePools,
        power_states: input.powerStates,
        vms: input.vms,
      },
      ctx.signal,
    );
    return {
      vms: found.map((v) => ({
        vm: v.vm,
        name: v.name,
        powerState: v.power_state,
        // Absent while a VM is being created or its files are inaccessible.
        cpuCount: v.cpu_count ?? null,
        memoryMiB: v.memory_size_MiB ?? null,
      })),
    };
  },
});
