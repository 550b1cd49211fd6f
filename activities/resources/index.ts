/** Resources: validating and preparing a requested resource, and recording its life, on the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { changeLease } from './change-lease';
import { createResourceDeps } from './deps';
import { prepareResource } from './prepare-resource';
import { readLeaseSettings } from './read-lease-settings';
import { recordResourceState } from './record-state';
import { resolveResource } from './resolve-resource';

export { createResourceDeps, type ResourceDeps } from './deps';

export const resourcesSystem = defineSystem({
  name: 'resources',
  taskQueue: 'orchestrator',
  tasks: [prepareResource, resolveResource, recordResourceState, readLeaseSettings, changeLease],
  createDeps: ({ pool }) => createResourceDeps({ pool }),
});
