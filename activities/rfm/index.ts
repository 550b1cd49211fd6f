/** RFM: the resource documents in git, kept from the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { commitResource } from './commit-resource';
import { createRfmDeps } from './deps';
import { readResource } from './read-resource';
import { recordRemoval } from './record-removal';

export { createRfmDeps, type RfmDeps } from './deps';
export { loadRfmConfig, type RfmConfig } from './config';
export { ResourceRepositories } from './repositories';

export const rfmSystem = defineSystem({
  name: 'rfm',
  taskQueue: 'orchestrator',
  tasks: [commitResource, readResource, recordRemoval],
  createDeps: ({ rfm }) => createRfmDeps(rfm),
  close: (deps) => deps.repositories.close(),
});
