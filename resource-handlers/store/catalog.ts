/**
 * The catalog in Postgres: one consistent snapshot for validation (the API calls
 * `loadCatalogSnapshot` per request, the prepare task per resource), and the admin placement
 * matrix (list, set) the API's admin routes use.
 */
import type { Pool, PoolClient } from 'pg';
import type { CatalogSnapshot, PlacementRule } from '../types';

/** Reads the whole catalog in one read-only repeatable-read transaction. */
export async function loadCatalogSnapshot(pool: Pool): Promise<CatalogSnapshot> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = await readSnapshot(client);
    await client.query('COMMIT');
    return snapshot;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function readSnapshot(client: PoolClient): Promise<CatalogSnapshot> {
  const images = await client.query<{
    name: string;
    description: string;
    os_type: 'linux' | 'windows';
    os_family: string;
    template_name: string;
    guest_id: string;
    firmware: 'bios' | 'efi';
    min_disk_gb: number;
    enabled: boolean;
  }>('SELECT * FROM catalog_os_images ORDER BY name');
  const limits = await client.query<{
    resource_type: string;
    name: string;
    min_value: string;
    max_value: string;
  }>('SELECT resource_type, name, min_value, max_value FROM catalog_limits ORDER BY resource_type, name');
  const networks = await client.query<{
    name: string;
    datacenter: string;
    cidr: string;
    gateway: string;
    dns_servers: string[];
    dns_domain: string;
    vlan: number | null;
    range_start: string;
    range_end: string;
    enabled: boolean;
  }>(
    `SELECT name, datacenter, cidr::text AS cidr, host(gateway) AS gateway,
            ARRAY(SELECT host(d) FROM unnest(dns_servers) AS d) AS dns_servers, dns_domain, vlan,
            host(range_start) AS range_start, host(range_end) AS range_end, enabled
       FROM catalog_networks ORDER BY name`,
  );
  const clusters = await client.query<{ name: string; datacenter: string; vm_folder: string }>(
    'SELECT name, datacenter, vm_folder FROM catalog_clusters ORDER BY name',
  );
  const datastores = await client.query<{ name: string; datacenter: string }>(
    'SELECT name, datacenter FROM catalog_datastores ORDER BY name',
  );
  const placements = await client.query<PlacementRule>(
    'SELECT cluster, datastore, allowed, weight FROM placement_matrix ORDER BY cluster, datastore',
  );

  const snapshot: CatalogSnapshot = {
    images: {},
    limits: {},
    networks: {},
    clusters: {},
    datastores: {},
    placements: placements.rows,
  };
  for (const r of images.rows)
    snapshot.images[r.name] = {
      name: r.name,
      description: r.description,
      osType: r.os_type,
      osFamily: r.os_family,
      templateName: r.template_name,
      guestId: r.guest_id,
      firmware: r.firmware,
      minDiskGb: r.min_disk_gb,
      enabled: r.enabled,
    };
  for (const r of limits.rows)
    (snapshot.limits[r.resource_type] ??= {})[r.name] = {
      min: Number(r.min_value),
      max: Number(r.max_value),
    };
  for (const r of networks.rows)
    snapshot.networks[r.name] = {
      name: r.name,
      datacenter: r.datacenter,
      cidr: r.cidr,
      gateway: r.gateway,
      dnsServers: r.dns_servers,
      dnsDomain: r.dns_domain,
      vlan: r.vlan,
      rangeStart: r.range_start,
      rangeEnd: r.range_end,
      enabled: r.enabled,
    };
  for (const r of clusters.rows)
    snapshot.clusters[r.name] = { name: r.name, datacenter: r.datacenter, vmFolder: r.vm_folder };
  for (const r of datastores.rows) snapshot.datastores[r.name] = { name: r.name, datacenter: r.datacenter };
  return snapshot;
}

/** A cell of the matrix as the admin API shows it. */
export interface PlacementMatrixEntry extends PlacementRule {
  updatedBy: string;
  updatedAt: string;
}

/** The whole matrix, every cluster × datastore pair that has a row. */
export async function listPlacementMatrix(pool: Pool): Promise<PlacementMatrixEntry[]> {
  const { rows } = await pool.query<{
    cluster: string;
    datastore: string;
    allowed: boolean;
    weight: number;
    updated_by: string;
    updated_at: Date;
  }>('SELECT * FROM placement_matrix ORDER BY cluster, datastore');
  return rows.map((r) => ({
    cluster: r.cluster,
    datastore: r.datastore,
    allowed: r.allowed,
    weight: r.weight,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at.toISOString(),
  }));
}

/** Thrown when a matrix change names a cluster or datastore the catalog does not have. */
export class UnknownPlacementTargetError extends Error {
  constructor(
    readonly field: 'cluster' | 'datastore',
    readonly value: string,
  ) {
    super(`${field} '${value}' is not in the catalog`);
  }
}

/** Allows or disallows one pair and sets its weight (an admin action, recorded with who did it). */
export async function setPlacementRule(
  pool: Pool,
  rule: PlacementRule,
  updatedBy: string,
): Promise<PlacementMatrixEntry> {
  if (!Number.isInteger(rule.weight) || rule.weight < 0)
    throw new RangeError('weight must be an integer ≥ 0');
  const known = await pool.query<{ cluster: boolean; datastore: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM catalog_clusters WHERE name = $1) AS cluster,
            EXISTS (SELECT 1 FROM catalog_datastores WHERE name = $2) AS datastore`,
    [rule.cluster, rule.datastore],
  );
  if (!known.rows[0]?.cluster) throw new UnknownPlacementTargetError('cluster', rule.cluster);
  if (!known.rows[0]?.datastore) throw new UnknownPlacementTargetError('datastore', rule.datastore);
  const { rows } = await pool.query<{ updated_at: Date }>(
    `INSERT INTO placement_matrix (cluster, datastore, allowed, weight, updated_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (cluster, datastore) DO UPDATE
       SET allowed = EXCLUDED.allowed, weight = EXCLUDED.weight,
           updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
     RETURNING updated_at`,
    [rule.cluster, rule.datastore, rule.allowed, rule.weight, updatedBy],
  );
  return { ...rule, updatedBy, updatedAt: rows[0]!.updated_at.toISOString() };
}
