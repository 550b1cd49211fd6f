/**
 * What a handler's document is made of besides the user's input: the placement the matrix gives
 * and an address on the network it names. One function for both the build (`resources:prepare`,
 * which allocates the address) and the plan preview (which only looks at the address it would
 * get), so both place and emit a resource the same way.
 */
import { choosePlacement } from './placement';
import type { AddressAllocation, AnyResourceHandler, CatalogSnapshot, Enrichment } from './types';

/** The matrix allows no cluster and datastore for the resource (any more). */
export class NoPlacementError extends Error {
  constructor() {
    super('the placement matrix no longer allows a cluster and datastore');
  }
}

/**
 * The handler's lookups for `input`, done: the placement chosen from the matrix (NoPlacementError
 * when none is allowed) and the address `address` finds on the network the handler names.
 */
export async function enrichResource(
  handler: AnyResourceHandler,
  input: Record<string, unknown>,
  catalog: CatalogSnapshot,
  address: (network: string) => Promise<AddressAllocation>,
): Promise<Enrichment> {
  const needs = handler.needs(input, catalog);
  const enrichment: Enrichment = {};
  if (needs.placement) {
    enrichment.placement = choosePlacement(catalog, needs.placement);
    if (!enrichment.placement) throw new NoPlacementError();
  }
  if (needs.address) enrichment.address = await address(needs.address.network);
  return enrichment;
}
