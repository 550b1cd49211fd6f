/** The Postgres side of resource handling: catalog snapshot, placement matrix, IPAM, resources and their owners, seeding. */
export {
  loadCatalogSnapshot,
  listPlacementMatrix,
  setPlacementRule,
  UnknownPlacementTargetError,
  type PlacementMatrixEntry,
} from './catalog';
export {
  allocateAddress,
  peekAddress,
  releaseAddress,
  findLiveAddresses,
  NetworkNotFoundError,
  AddressPoolExhaustedError,
  ResourceNameInUseError,
  type AllocationRequest,
  type AddressLease,
  type ReleaseRequest,
} from './ipam';
export {
  findResource,
  exists,
  claimResource,
  settleResources,
  recordSummary,
  recordState,
  recordActedOn,
  listResources,
  requestsActingOn,
  countLeasesEnding,
  changeOwnership,
  externalIdKeys,
  ResourceExistsError,
  type ResourceRecord,
  type ResourceState,
  type ResourceClaim,
  type SettledResource,
  type OwnershipChange,
  type StateChange,
  type InventoryFilter,
  type InventoryPosition,
  type InventoryViewer,
  type ActingRequest,
} from './resources';
export { labCatalog, seedCatalog, type CatalogSeed } from './seed';
export { choosePlacement } from '../placement';
