/** The ACI tasks, for the worker of the `aci` task queue. */
import type { AnyTask } from '../task';
import { deleteObject } from './delete-object';
import type { AciDeps } from './deps';
import { ensureApplicationProfile } from './ensure-application-profile';
import { ensureBridgeDomain } from './ensure-bridge-domain';
import { ensureEpg } from './ensure-epg';
import { ensureTenant } from './ensure-tenant';
import { queryClass } from './query-class';

export { AciClient } from './client';
export { createAciDeps, type AciDeps } from './deps';

/** Every ACI task, in the order a network's objects are built. */
export const aciTasks: readonly AnyTask<AciDeps>[] = [
  ensureTenant,
  ensureApplicationProfile,
  ensureBridgeDomain,
  ensureEpg,
  queryClass,
  deleteObject,
];
