/** The ACI system: its tasks run on the `aci` task queue with the worker's APIC client. */
import { defineSystem } from '../task';
import { deleteObject } from './delete-object';
import { createAciDeps } from './deps';
import { ensureApplicationProfile } from './ensure-application-profile';
import { ensureBridgeDomain } from './ensure-bridge-domain';
import { ensureEpg } from './ensure-epg';
import { ensureTenant } from './ensure-tenant';
import { queryClass } from './query-class';

export { AciClient } from './client';
export { createAciDeps, type AciDeps } from './deps';

export const aciSystem = defineSystem({
  name: 'aci',
  taskQueue: 'aci',
  // In the order a network's objects are built.
  tasks: [ensureTenant, ensureApplicationProfile, ensureBridgeDomain, ensureEpg, queryClass, deleteObject],
  endSystem: 'aci',
  createDeps: (config) => createAciDeps(config),
  close: (deps) => deps.aci.close(),
});
