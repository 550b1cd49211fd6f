/** The IPAM tasks, for the worker of the `orchestrator` task queue. */
import type { AnyTask } from '../task';
import type { IpamDeps } from './deps';
import { releaseAddressTask } from './release-address';

export { createIpamDeps, type IpamDeps } from './deps';

export const ipamTasks: readonly AnyTask<IpamDeps>[] = [releaseAddressTask];
