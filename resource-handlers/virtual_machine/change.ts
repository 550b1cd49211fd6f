/**
 * Day-2 changes of a VM: `update` (CPU, memory, disks) and `power` (on, off, restart). A change is
 * checked as a create would be: the VM it leads to goes through `validateVirtualMachine` with the
 * same limits, image and placement rules, so a concept (a limit, the image's first disk, the
 * matrix) is declared once. Pure: the catalog and the resource as it is now are arguments.
 */
import { z } from 'zod';
import { powerActions } from '../../common/resource';
import type { CatalogSnapshot, ChangeDeclaration, FieldProblem, ResourceSummary } from '../types';
import type { VirtualMachineDocument } from './common-format';
import { diskAt } from './emit';
import { hostnameLabel, virtualMachineInput, type VirtualMachineInput } from './input';
import { resourceType, validateVirtualMachine } from './validate';

const name = z.string().regex(hostnameLabel, 'must be the name of an existing VM');
const sizes = virtualMachineInput.shape;

/** `{"type": "virtual_machine", "action": "update", "name": …, "cpu"?, "memoryGb"?, "disks"?}`. */
export const virtualMachineUpdate = z
  .strictObject({
    type: z.literal(resourceType),
    action: z.literal('update'),
    name,
    cpu: sizes.cpu.optional(),
    memoryGb: sizes.memoryGb.optional(),
    /**
     * Every disk of the VM after the change: the disks it has, at their sizes, then the disks to
     * add. A disk cannot shrink or go (vSphere cannot shrink one).
     */
    disks: sizes.disks.optional(),
  })
  .refine((c) => c.cpu !== undefined || c.memoryGb !== undefined || c.disks !== undefined, {
    message: 'an update names at least one of cpu, memoryGb, disks',
  });

/** `{"type": "virtual_machine", "action": "power", "name": …, "power": "on" | "off" | "restart"}`. */
export const virtualMachinePower = z.strictObject({
  type: z.literal(resourceType),
  action: z.literal('power'),
  name,
  power: z.enum(powerActions),
});

export type VirtualMachineUpdate = z.infer<typeof virtualMachineUpdate>;
export type VirtualMachinePower = z.infer<typeof virtualMachinePower>;

/** What the inventory's summary says of a VM (`summarize` in index.ts). */
interface VmSummary {
  size: { cpu: number; memoryMb: number; disks: number[]; osImage?: string; power?: 'on' | 'off' };
  placement: { cluster?: string; datastore?: string; network?: string };
}

/** The VM's power now: as its last power action left it, on as built. */
const powerOf = (current: ResourceSummary) => (current as unknown as VmSummary).size.power ?? 'on';

/** The fields a change may name: problems elsewhere (a network since disabled) are not the change's. */
const changeFields = /^(cpu|memoryGb|disks|placement)(\.|$)/;

function checkUpdate(
  change: Record<string, unknown>,
  current: ResourceSummary,
  catalog: CatalogSnapshot,
): FieldProblem[] {
  const c = change as VirtualMachineUpdate;
  const now = current as unknown as VmSummary;
  const disksNow = now.size.disks;
  const after: VirtualMachineInput = {
    type: resourceType,
    name: c.name,
    osImage: now.size.osImage ?? '',
    network: now.placement.network ?? '',
    cpu: c.cpu ?? now.size.cpu,
    memoryGb: c.memoryGb ?? Math.ceil(now.size.memoryMb / 1024),
    disks: c.disks ?? disksNow.map((sizeGb) => ({ sizeGb })),
    managed: false,
    tags: {},
    notify: [],
    placement: { cluster: now.placement.cluster, datastore: now.placement.datastore },
  };
  const problems = validateVirtualMachine(after, catalog, { now: new Date(0) }).filter((p) =>
    changeFields.test(p.path),
  );
  if (c.disks) {
    if (c.disks.length < disksNow.length)
      problems.push({ path: 'disks', message: `it has ${disksNow.length} disks: a disk cannot be removed` });
    c.disks.slice(0, disksNow.length).forEach((d, i) => {
      if (d.sizeGb !== disksNow[i])
        problems.push({
          path: `disks.${i}.sizeGb`,
          message: `disk ${i} is ${disksNow[i]} GB and keeps its size (a disk cannot be resized); add a disk instead`,
        });
    });
  }
  const same =
    after.cpu === now.size.cpu &&
    after.memoryGb * 1024 === now.size.memoryMb &&
    after.disks.length === disksNow.length;
  if (same && problems.length === 0) {
    const field = c.cpu !== undefined ? 'cpu' : c.memoryGb !== undefined ? 'memoryGb' : 'disks';
    problems.push({ path: field, message: 'the VM already has this size: the update changes nothing' });
  }
  return problems;
}

function checkPower(change: Record<string, unknown>, current: ResourceSummary): FieldProblem[] {
  const { power } = change as VirtualMachinePower;
  const now = powerOf(current);
  if (power === now) return [{ path: 'power', message: `the VM is already ${now}` }];
  if (power === 'restart' && now === 'off')
    return [{ path: 'power', message: 'the VM is off: power it on rather than restart it' }];
  return [];
}

/** The VM's day-2 changes, as its handler declares them. */
export const virtualMachineChanges: Record<'update' | 'power', ChangeDeclaration<VirtualMachineDocument>> = {
  update: {
    description:
      'Changes CPU and memory, and adds disks: checked against the limits, the image and the placement as a create is; a growth past 8 CPUs or 64 GB waits for the capacity group.',
    input: virtualMachineUpdate as unknown as z.ZodObject,
    check: checkUpdate,
    apply(document, change) {
      const c = change as VirtualMachineUpdate;
      const disks = (c.disks ?? [])
        .slice(document.disks.length)
        .map((d, k) => diskAt(document.disks.length + k, d.sizeGb));
      return {
        ...document,
        cpu: c.cpu ?? document.cpu,
        memoryMb: c.memoryGb !== undefined ? c.memoryGb * 1024 : document.memoryMb,
        disks: [...document.disks, ...disks],
      };
    },
  },
  power: {
    description:
      'Powers the VM on or off, or restarts it; a power action that is already its state is refused.',
    input: virtualMachinePower,
    check: checkPower,
    apply(document, change) {
      const { power } = change as VirtualMachinePower;
      // A restart leaves it on: its common format does not change.
      return power === 'restart' ? document : { ...document, power };
    },
  },
};
