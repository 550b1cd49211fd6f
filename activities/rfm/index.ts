/** The RFM tasks, for the worker of the `orchestrator` task queue. */
import type { AnyTask } from '../task';
import { commitResource } from './commit-resource';
import type { RfmDeps } from './deps';
import { readResource } from './read-resource';
import { recordRemoval } from './record-removal';

export { createRfmDeps, type RfmDeps } from './deps';
export { loadRfmConfig, type RfmConfig } from './config';
export { ResourceRepositories } from './repositories';

export const rfmTasks: readonly AnyTask<RfmDeps>[] = [commitResource, readResource, recordRemoval];
