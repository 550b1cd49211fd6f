/** The vCenter tasks, for the worker of the `vcenter` task queue. */
import type { AnyTask } from '../task';
import { deleteVm } from './delete-vm';
import type { VcenterDeps } from './deps';
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

/** Every vCenter task: inventory look-ups first, then a VM's life. */
export const vcenterTasks: readonly AnyTask<VcenterDeps>[] = [
  listClusters,
  listDatastores,
  listNetworks,
  listFolders,
  listVms,
  readVm,
  powerOnVm,
  powerOffVm,
  deleteVm,
];
