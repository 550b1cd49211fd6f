/** `vcenter:power-on-vm`: the VM is on; a VM that already is counts as done. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { vmIdSchema } from './schemas';

export const powerOnVm = defineTask({
  id: 'vcenter:power-on-vm',
  description: 'Powers a vCenter VM on; already on is success.',
  timeouts: 'short',
  input: z.object({ vm: vmIdSchema }),
  output: z.object({ vm: vmIdSchema, powerState: z.literal('POWERED_ON'), changed: z.boolean() }),
  examples: [{ vm: 'vm-1001' }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const result = await ctx.deps.vcenter.powerVm(input.vm, 'start', ctx.signal);
    return { vm: input.vm, powerState: 'POWERED_ON' as const, changed: result === 'done' };
  },
});
