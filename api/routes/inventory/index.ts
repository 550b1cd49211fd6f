/**
 * `/v1/inventory/{networks,images,clusters,datastores}`: what forms offer, read from the same
 * snapshot of vCenter and ACI that validation uses (resource-handlers/store/catalog.ts), so a form
 * offers only what a request will be accepted with. Every authenticated caller may read them;
 * disabled images and networks are left out (a request naming one is refused).
 */
import { Router } from 'express';
import { loadCatalogSnapshot } from '../../../resource-handlers/store';
import type { CatalogSnapshot } from '../../../resource-handlers/types';
import type { ApiDeps } from '../../deps';

const byName = <T extends { name: string }>(items: T[]) => items.sort((a, b) => a.name.localeCompare(b.name));

/** Each inventory list, by its path segment: the names and the facts a form shows. */
export const inventoryLists = {
  networks: (c: CatalogSnapshot) =>
    byName(
      Object.values(c.networks)
        .filter((n) => n.enabled)
        .map(({ name, datacenter, cidr, gateway, vlan, dnsDomain }) => ({
          name,
          datacenter,
          cidr,
          gateway,
          vlan,
          dnsDomain,
        })),
    ),
  images: (c: CatalogSnapshot) =>
    byName(
      Object.values(c.images)
        .filter((i) => i.enabled)
        .map(({ name, description, osType, osFamily, firmware, minDiskGb }) => ({
          name,
          description,
          osType,
          osFamily,
          firmware,
          minDiskGb,
        })),
    ),
  clusters: (c: CatalogSnapshot) =>
    byName(
      Object.values(c.clusters).map(({ name, datacenter }) => ({
        name,
        datacenter,
        datastoresAllowed: c.placements
          .filter((p) => p.cluster === name && p.allowed)
          .map((p) => p.datastore)
          .sort(),
      })),
    ),
  datastores: (c: CatalogSnapshot) =>
    byName(Object.values(c.datastores).map(({ name, datacenter }) => ({ name, datacenter }))),
} as const;

export type InventoryKind = keyof typeof inventoryLists;

export function inventoryRoutes(deps: Pick<ApiDeps, 'pool'>): Router {
  const router = Router();
  for (const [kind, list] of Object.entries(inventoryLists)) {
    router.get(`/${kind}`, async (_req, res) => {
      res.json({ [kind]: list(await loadCatalogSnapshot(deps.pool)) });
    });
  }
  return router;
}
