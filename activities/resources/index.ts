/** Resources: validating and preparing a requested resource, on the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { createResourceDeps } from './deps';
import { prepareResource } from './prepare-resource';

export { createResourceDeps, type ResourceDeps } from './deps';

export const resourcesSystem = defineSystem({
  name: 'resources',
  taskQueue: 'orchestrator',
  tasks: [prepareResource],
  createDeps: ({ pool }) => createResourceDeps({ pool }),
});
