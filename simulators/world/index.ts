/** The lab world shared by every simulator: state, persistence, inventory operations, seed. */
export {
  World,
  defaultDurations,
  type WorldOptions,
  type NewHttpFaultRule,
  type NewOutcomeRule,
} from './world';
export { WorldError, type WorldErrorType } from './errors';
export {
  VcenterInventory,
  type CreateVmSpec,
  type CreateVmDisk,
  type CreateVmNic,
  type GuestCustomizationSpec,
  type GuestNetworking,
  isIpv4,
  type UpdateVmSpec,
  type VmFilter,
} from './vcenter-inventory';
export { Scheduler } from './scheduler';
export { seedWorld, seededJobTemplates } from './seed';
export { createRandom, randomHex, type Random } from './random';
export { writeJsonAtomic, readJsonIfExists } from './store';
export type * from './types';
