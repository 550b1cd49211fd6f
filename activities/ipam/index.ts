/** IPAM: the address allocations in Postgres, served on the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { createIpamDeps } from './deps';
import { releaseAddressTask } from './release-address';

export { createIpamDeps, type IpamDeps } from './deps';

export const ipamSystem = defineSystem({
  name: 'ipam',
  taskQueue: 'orchestrator',
  tasks: [releaseAddressTask],
  createDeps: ({ pool }) => createIpamDeps({ pool }),
});
