/** Inputs users write, run by the handler's tests against the lab catalog. */
import type { HandlerExample } from '../types';
import type { VirtualMachineRequest } from './input';

export const virtualMachineExamples: HandlerExample<VirtualMachineRequest>[] = [
  {
    description: 'An unmanaged RHEL 9 VM on the development network, built once by AWX',
    input: {
      type: 'virtual_machine',
      name: 'web-01',
      osImage: 'rhel9',
      network: 'INTRANET_DEV',
      cpu: 2,
      memoryGb: 8,
      disks: [{ sizeGb: 100 }],
      managed: false,
    },
  },
  {
    description: 'A Terraform-managed Ubuntu VM with a data disk, a lease, tags and people to notify',
    input: {
      type: 'virtual_machine',
      name: 'db-01',
      osImage: 'ubuntu22',
      network: 'INTRANET_PROD',
      cpu: 4,
      memoryGb: 16,
      disks: [{ sizeGb: 60 }, { sizeGb: 500 }],
      managed: true,
      leaseEnd: '2030-03-31T18:00:00Z',
      tags: { owner: 'team-db', costCenter: 'cc-1234' },
      notify: ['dba@example.com'],
    },
  },
  {
    description: 'A Windows VM pinned to the production cluster and datastore',
    input: {
      type: 'virtual_machine',
      name: 'win-app-01',
      osImage: 'windows2022',
      network: 'DMZ',
      cpu: 2,
      memoryGb: 8,
      disks: [{ sizeGb: 120 }],
      placement: { cluster: 'CL-PROD-01', datastore: 'DS-PROD-01' },
    },
  },
];
