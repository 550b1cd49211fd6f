/** Resources: validating and preparing a requested resource, on the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { createResourceDeps } from './deps';
import { prepareResource } from './prepare-resource';
import { resolveResource } from './resolve-resource';

export { createResourceDeps, type ResourceDeps } from './deps';

export const resourcesSystem = defineSystem({
  name: 'resources',
  taskQueue: 'orchestrator',
  tasks: [prepareResource, resolveResource],
  createDeps: ({ pool }) => createResourceDeps({ pool }),
});
