/** The vCenter system: its tasks run on the `vcenter` task queue with the worker's vCenter client. */
import { defineSystem } from '../task';
import { awaitNetwork } from './await-network';
import { deleteVm } from './delete-vm';
import { createVcenterDeps } from './deps';
import { listClusters } from './list-clusters';
import { listDatastores } from './list-datastores';
import { listFolders } from './list-folders';
import { listNetworks } from './list-networks';
import { listVms } from './list-vms';
import { powerOffVm } from './power-off-vm';
import { powerOnVm } from './power-on-vm';
import { readVm } from './read-vm';

export { VcenterClient } from './client';
export { createVcenterDeps, type VcenterDeps } from './deps';

export const vcenterSystem = defineSystem({
  name: 'vcenter',
  taskQueue: 'vcenter',
  // Inventory look-ups first, then a VM's life.
  tasks: [
    listClusters,
    listDatastores,
    listNetworks,
    awaitNetwork,
    listFolders,
    listVms,
    readVm,
    powerOnVm,
    powerOffVm,
    deleteVm,
  ],
  endSystem: 'vcenter',
  createDeps: (config) => createVcenterDeps(config),
  close: (deps) => deps.vcenter.close(),
});
