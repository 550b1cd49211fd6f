/** Resources: validating and preparing a requested resource, and recording its life, on the `orchestrator` task queue. */
import { defineSystem } from '../task';
import { changeLease } from './change-lease';
import { createResourceDeps } from './deps';
import { prepareChange } from './prepare-change';
import { prepareResource } from './prepare-resource';
import { readLeaseSettings } from './read-lease-settings';
import { recordChange } from './record-change';
import { recordResourceState } from './record-state';
import { resolveResource } from './resolve-resource';

export { createResourceDeps, type ResourceDeps } from './deps';

export const resourcesSystem = defineSystem({
  name: 'resources',
  taskQueue: 'orchestrator',
  tasks: [
    prepareResource,
    prepareChange,
    resolveResource,
    recordResourceState,
    recordChange,
    readLeaseSettings,
    changeLease,
  ],
  createDeps: ({ pool }) => createResourceDeps({ pool }),
});
