/** The Postgres side of resource handling: catalog snapshot, placement matrix, IPAM, seeding. */
export {
  loadCatalogSnapshot,
  listPlacementMatrix,
  setPlacementRule,
  UnknownPlacementTargetError,
  type PlacementMatrixEntry,
} from './catalog';
export {
  allocateAddress,
  releaseAddress,
  findLiveAddresses,
  NetworkNotFoundError,
  AddressPoolExhaustedError,
  ResourceNameInUseError,
  type AllocationRequest,
  type AddressLease,
  type ReleaseRequest,
} from './ipam';
export { labCatalog, seedCatalog, type CatalogSeed } from './seed';
export { choosePlacement } from '../placement';
