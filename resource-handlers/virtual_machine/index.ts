/**
 * The `virtual_machine` resource handler: a VM with an OS image, CPU, memory, disks and one NIC
 * on a catalog network, placed by the admin matrix and addressed by the IPAM; built by AWX when
 * unmanaged, kept by Terraform when managed.
 */
import { defineResourceHandler } from '../types';
import commonFormatSchema from './common-format.v1.schema.json';
import { commonFormatVersion, type VirtualMachineDocument } from './common-format';
import { virtualMachineInputSchema } from './document';
import { describeVirtualMachine, emitVirtualMachine } from './emit';
import { virtualMachineChanges } from './change';
import { virtualMachineExamples } from './examples';
import { virtualMachineInput } from './input';
import { validateVirtualMachine } from './validate';

const version = '1.0.0';

export const virtualMachine = defineResourceHandler({
  type: 'virtual_machine',
  version,
  description:
    'A virtual machine in vCenter: OS image, CPU, memory, disks, one NIC with an address from the network pool; AWX builds it when unmanaged, Terraform keeps it when managed.',
  input: virtualMachineInput,
  examples: virtualMachineExamples,
  commonFormat: { version: commonFormatVersion, schema: commonFormatSchema },
  documentedInput: virtualMachineInputSchema,
  validate: validateVirtualMachine,
  // A network the same request creates is built before the VM that sits on it.
  references: (input) => [{ path: 'network', type: 'network', name: input.network }],
  needs(input, catalog) {
    const network = catalog.networks[input.network];
    return {
      placement: {
        key: input.name,
        datacenter: network?.datacenter ?? '',
        cluster: input.placement?.cluster,
        datastore: input.placement?.datastore,
      },
      address: { network: input.network },
    };
  },
  emit: emitVirtualMachine,
  describe: (document: VirtualMachineDocument) => describeVirtualMachine(document, version),
  summarize: (document: VirtualMachineDocument) => ({
    size: {
      cpu: document.cpu,
      memoryMb: document.memoryMb,
      disks: document.disks.map((d) => d.sizeGb),
      osImage: document.os.image,
      power: document.power ?? 'on',
    },
    placement: {
      ...document.placement,
      network: document.network.name,
      ipv4Address: document.network.ipv4Address,
    },
    leaseEnd: document.leaseEnd,
  }),
  changes: virtualMachineChanges,
});

export {
  hostnameLabel,
  virtualMachineInput,
  type VirtualMachineInput,
  type VirtualMachineRequest,
} from './input';
export type { VirtualMachineDocument } from './common-format';
export { vmTemplates } from './emit';
