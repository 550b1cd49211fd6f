/** `vcenter:power-off-vm`: the VM is off (hard power-off); a VM that already is counts as done. */
import { z } from 'zod';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { vmIdSchema } from './schemas';

export const powerOffVm = defineTask({
  id: 'vcenter:power-off-vm',
  description: 'Powers a vCenter VM off (hard stop); already off is success.',
  timeouts: 'short',
  input: z.object({ vm: vmIdSchema }),
  output: z.object({ vm: vmIdSchema, powerState: z.literal('POWERED_OFF'), changed: z.boolean() }),
  examples: [{ vm: 'vm-1001' }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const result = await ctx.deps.vcenter.powerVm(input.vm, 'stop', ctx.signal);
    return { vm: input.vm, powerState: 'POWERED_OFF' as const, changed: result === 'done' };
  },
});
