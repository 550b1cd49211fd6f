/**
 * `vcenter:delete-vm`: the VM is gone. A VM that does not exist counts as deleted (a retry after
 * a lost answer, an undo of a create that never happened). vCenter refuses to delete a powered-on
 * VM; `powerOff: true` stops it first, otherwise that refusal is an InvalidInput failure.
 */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { vmIdSchema } from './schemas';

export const deleteVm = defineTask({
  id: 'vcenter:delete-vm',
  description: 'Deletes a vCenter VM (optionally powering it off first); an absent VM is success.',
  timeouts: 'short',
  input: z.object({ vm: vmIdSchema, powerOff: z.boolean().default(false) }),
  output: z.object({ vm: vmIdSchema, deleted: z.boolean() }),
  examples: [{ vm: 'vm-1001', powerOff: true }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const { vcenter } = ctx.deps;
    if (input.powerOff) {
      const info = await vcenter.readVm(input.vm, ctx.signal);
      if (!info) return { vm: input.vm, deleted: false };
      if (info.power_state !== 'POWERED_OFF') await vcenter.powerVm(input.vm, 'stop', ctx.signal);
    }
    const result = await vcenter.deleteVm(input.vm, ctx.signal);
    return { vm: input.vm, deleted: result === 'deleted' };
  },
});
