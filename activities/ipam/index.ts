/** IPAM: the address allocations and the pools of built networks in Postgres, served on the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { createIpamDeps } from './deps';
import { closePool, openPool, removePoolTask } from './pools';
import { releaseAddressTask } from './release-address';

export { createIpamDeps, type IpamDeps } from './deps';

export const ipamSystem = defineSystem({
  name: 'ipam',
  taskQueue: 'orchestrator',
  tasks: [releaseAddressTask, openPool, closePool, removePoolTask],
  createDeps: ({ pool }) => createIpamDeps({ pool }),
});
