/**
 * What a handler's document is made of besides the user's input: the placement the matrix gives
 * and an address on the network it names (and a new network's subnet pool). One function for both the build (`resources:prepare`,
 * which allocates the address) and the plan preview (which only looks at the address it would
 * get), so both place and emit a resource the same way.
 */
import { choosePlacement } from './placement';
import type {
  AddressAllocation,
  AnyResourceHandler,
  CatalogNetwork,
  CatalogSnapshot,
  Enrichment,
  SubnetRequest,
} from './types';

/** The matrix allows no cluster and datastore for the resource (any more). */
export class NoPlacementError extends Error {
  constructor() {
    super('the placement matrix no longer allows a cluster and datastore');
  }
}

/** How the caller gets what the handler asks for: the build allocates and reserves, the preview looks. */
export interface EnrichmentLookups {
  /** An address on the network the handler names. */
  address(network: string): Promise<AddressAllocation>;
  /** The pool of a new network's subnet (its VLAN, gateway and range). */
  subnet(request: SubnetRequest): Promise<CatalogNetwork>;
}

/**
 * The handler's lookups for `input`, done: the placement chosen from the matrix (NoPlacementError
 * when none is allowed), the address on the network the handler names, the pool of the subnet it
 * creates.
 */
export async function enrichResource(
  handler: AnyResourceHandler,
  input: Record<string, unknown>,
  catalog: CatalogSnapshot,
  lookups: EnrichmentLookups,
): Promise<Enrichment> {
  const needs = handler.needs(input, catalog);
  const enrichment: Enrichment = {};
  if (needs.placement) {
    enrichment.placement = choosePlacement(catalog, needs.placement);
    if (!enrichment.placement) throw new NoPlacementError();
  }
  if (needs.address) enrichment.address = await lookups.address(needs.address.network);
  if (needs.subnet) enrichment.subnet = await lookups.subnet(needs.subnet);
  return enrichment;
}
