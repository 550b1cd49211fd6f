/**
 * `vcenter:read-vm`: what a requester asked for, as vCenter has it — CPU, memory, disks and NICs
 * with their networks. A missing VM is a NotFound failure unless `allowMissing` is set (a check
 * before a create, or after a delete).
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { powerStateSchema, vmIdSchema } from './schemas';

const vmSchema = z.object({
  vm: vmIdSchema,
  name: z.string(),
  guestOS: z.string().nullable(),
  powerState: powerStateSchema,
  cpuCount: z.number().int().nullable(),
  memoryMiB: z.number().int().nullable(),
  instanceUuid: z.string().nullable(),
  disks: z.array(
    z.object({ key: z.string(), label: z.string().nullable(), capacityBytes: z.number().nullable() }),
  ),
  nics: z.array(
    z.object({
      key: z.string(),
      label: z.string().nullable(),
      macAddress: z.string().nullable(),
      network: z.string().nullable(),
      connected: z.boolean(),
    }),
  ),
});

export const readVm = defineTask({
  id: 'vcenter:read-vm',
  description: "Reads a vCenter VM's hardware (CPU, memory, disks, NICs) and power state.",
  timeouts: 'short',
  input: z.object({ vm: vmIdSchema, allowMissing: z.boolean().default(false) }),
  output: z.object({ exists: z.boolean(), vm: vmSchema.nullable() }),
  examples: [{ vm: 'vm-1001' }, { vm: 'vm-1001', allowMissing: true }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const info = await ctx.deps.vcenter.readVm(input.vm, ctx.signal);
    if (!info) {
      if (input.allowMissing) return { exists: false, vm: null };
      throw failure('NotFound', `vcenter: VM ${input.vm} does not exist`, {
        system: 'vcenter',
        call: 'vcenter:read-vm',
        httpStatus: 404,
        externalId: input.vm,
      });
    }
    return {
      exists: true,
      vm: {
        vm: input.vm,
        name: info.name,
        guestOS: info.guest_OS ?? null,
        powerState: info.power_state,
        cpuCount: info.cpu?.count ?? null,
        memoryMiB: info.memory?.size_MiB ?? null,
        instanceUuid: info.identity?.instance_uuid ?? null,
        disks: Object.entries(info.disks ?? {}).map(([key, d]) => ({
          key,
          label: d.label ?? null,
          capacityBytes: d.capacity ?? null,
        })),
        nics: Object.entries(info.nics ?? {}).map(([key, n]) => ({
          key,
          label: n.label ?? null,
          macAddress: n.mac_address ?? null,
          network: n.backing?.network ?? null,
          connected: n.state === 'CONNECTED',
        })),
      },
    };
  },
});
