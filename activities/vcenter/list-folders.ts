/** `vcenter:list-folders`: folders, e.g. the VM folder a new VM goes into. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { idsFilter, moRefSchema, namesFilter } from './schemas';

export const listFolders = defineTask({
  id: 'vcenter:list-folders',
  description: 'Lists vCenter folders, filtered by name, type, datacenter or parent folder.',
  timeouts: 'short',
  input: z.object({
    names: namesFilter,
    type: z.enum(['DATACENTER', 'DATASTORE', 'HOST', 'NETWORK', 'VIRTUAL_MACHINE']).optional(),
    datacenters: idsFilter,
    parentFolders: idsFilter,
    folders: idsFilter,
  }),
  output: z.object({
    folders: z.array(z.object({ folder: moRefSchema, name: z.string(), type: z.string() })),
  }),
  examples: [{ type: 'VIRTUAL_MACHINE' }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const { parentFolders, ...rest } = input;
    const found = await ctx.deps.vcenter.listFolders({ ...rest, parent_folders: parentFolders }, ctx.signal);
    return { folders: found.map((f) => ({ folder: f.folder, name: f.name, type: f.type })) };
  },
});
