/** The resource tasks, for the worker of the `orchestrator` task queue. */
import type { AnyTask } from '../task';
import type { ResourceDeps } from './deps';
import { prepareResource } from './prepare-resource';
import { resolveResource } from './resolve-resource';

export { createResourceDeps, type ResourceDeps } from './deps';

export const resourceTasks: readonly AnyTask<ResourceDeps>[] = [prepareResource, resolveResource];
