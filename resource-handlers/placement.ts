/**
 * Placement from the admin matrix: among the allowed cluster × datastore pairs in the resource's
 * datacenter (and matching the user's pins), one is chosen by weighted rendezvous hashing of the
 * resource's key. The choice is deterministic (a re-run of the same resource lands on the same
 * pair), spreads resources over the pairs in proportion to their weights, and moves only the
 * resources of a pair that an admin disallows.
 */
import type { CatalogSnapshot, Placement, PlacementRequest, PlacementRule } from './types';

/** The allowed pairs a request may land on, best candidates not yet ranked. */
export function candidatePlacements(catalog: CatalogSnapshot, request: PlacementRequest): PlacementRule[] {
  return catalog.placements.filter((rule) => {
    const cluster = catalog.clusters[rule.cluster];
    const datastore = catalog.datastores[rule.datastore];
    return (
      rule.allowed &&
      rule.weight > 0 &&
      cluster !== undefined &&
      datastore !== undefined &&
      cluster.datacenter === request.datacenter &&
      datastore.datacenter === request.datacenter &&
      (request.cluster === undefined || rule.cluster === request.cluster) &&
      (request.datastore === undefined || rule.datastore === request.datastore)
    );
  });
}

/** The chosen pair, or undefined when the matrix allows none for this request. */
export function choosePlacement(catalog: CatalogSnapshot, request: PlacementRequest): Placement | undefined {
  let best: { rule: PlacementRule; score: number } | undefined;
  for (const rule of candidatePlacements(catalog, request)) {
    // Weighted rendezvous hashing: score = -w / ln(u), u uniform in (0, 1) from the hash.
    const u = (hash53(`${request.key}\u0000${rule.cluster}\u0000${rule.datastore}`) + 1) / (2 ** 53 + 2);
    const score = -rule.weight / Math.log(u);
    if (
      !best ||
      score > best.score ||
      (score === best.score &&
        `${rule.cluster}/${rule.datastore}` < `${best.rule.cluster}/${best.rule.datastore}`)
    )
      best = { rule, score };
  }
  if (!best) return undefined;
  const cluster = catalog.clusters[best.rule.cluster]!;
  return {
    datacenter: cluster.datacenter,
    cluster: cluster.name,
    datastore: best.rule.datastore,
    folder: cluster.vmFolder,
  };
}

/** cyrb53: a fast 53-bit string hash, good enough to spread keys (not cryptographic). */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
