/**
 * The catalog in Postgres: one consistent snapshot for validation (the API calls
 * `loadCatalogSnapshot` per request, the prepare task per resource), and the admin placement
 * matrix (list, set) the API's admin routes use.
 */
import type { Pool } from 'pg';
import type { CatalogNetwork, CatalogSnapshot, NetworkPermit, PlacementRule } from '../types';

interface ImageRow {
  name: string;
  description: string;
  os_type: 'linux' | 'windows';
  os_family: string;
  template_name: string;
  guest_id: string;
  firmware: 'bios' | 'efi';
  min_disk_gb: number;
  enabled: boolean;
}
interface LimitRow {
  resource_type: string;
  name: string;
  min_value: number | string;
  max_value: number | string;
}
/** A catalog_networks row as the catalog's queries select it (addresses as text). */
export interface NetworkRow {
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
  built_by_trace: string | null;
  tenant: string | null;
  vrf: string | null;
}
interface PermitRow {
  name: string;
  tenant: string;
  vrf: string;
  cidr: string;
  min_prefix: number;
  max_prefix: number;
  datacenter: string;
  vmm_domain: string;
  vlan_min: number;
  vlan_max: number;
  dns_servers: string[];
  dns_domain: string;
  enabled: boolean;
}

/**
 * The whole catalog in one statement, so one round trip and one snapshot: every table is read as
 * of the same moment without a transaction around several queries (the API calls this on every
 * submission, and each round trip waits for a CPU when the machine is busy).
 */
/** The columns of a NetworkRow. */
export const networkColumns = `name, datacenter, cidr::text AS cidr, host(gateway) AS gateway,
  ARRAY(SELECT host(d) FROM unnest(dns_servers) AS d) AS dns_servers, dns_domain, vlan,
  host(range_start) AS range_start, host(range_end) AS range_end, enabled, built_by_trace, tenant, vrf`;

const permitColumns = `name, tenant, vrf, cidr::text AS cidr, min_prefix, max_prefix, datacenter, vmm_domain,
  vlan_min, vlan_max, ARRAY(SELECT host(d) FROM unnest(dns_servers) AS d) AS dns_servers, dns_domain, enabled`;

const snapshotQuery = `
  SELECT
    (SELECT coalesce(json_agg(i ORDER BY i.name), '[]') FROM catalog_os_images i) AS images,
    (SELECT coalesce(json_agg(l ORDER BY l.resource_type, l.name), '[]')
       FROM (SELECT resource_type, name, min_value, max_value FROM catalog_limits) l) AS limits,
    (SELECT coalesce(json_agg(n ORDER BY n.name), '[]')
       FROM (SELECT ${networkColumns} FROM catalog_networks) n) AS networks,
    (SELECT coalesce(json_agg(p ORDER BY p.name), '[]')
       FROM (SELECT ${permitColumns} FROM network_permits) p) AS permits,
    (SELECT coalesce(json_agg(c ORDER BY c.name), '[]')
       FROM (SELECT name, datacenter, vm_folder FROM catalog_clusters) c) AS clusters,
    (SELECT coalesce(json_agg(d ORDER BY d.name), '[]')
       FROM (SELECT name, datacenter FROM catalog_datastores) d) AS datastores,
    (SELECT coalesce(json_agg(p ORDER BY p.cluster, p.datastore), '[]')
       FROM (SELECT cluster, datastore, allowed, weight FROM placement_matrix) p) AS placements`;

/** Reads the whole catalog as one consistent snapshot. */
export async function loadCatalogSnapshot(pool: Pool): Promise<CatalogSnapshot> {
  const { rows } = await pool.query<{
    images: ImageRow[];
    limits: LimitRow[];
    networks: NetworkRow[];
    permits: PermitRow[];
    clusters: { name: string; datacenter: string; vm_folder: string }[];
    datastores: { name: string; datacenter: string }[];
    placements: PlacementRule[];
  }>(snapshotQuery);
  const { images, limits, networks, permits, clusters, datastores, placements } = rows[0]!;

  const snapshot: CatalogSnapshot = {
    images: {},
    limits: {},
    networks: {},
    clusters: {},
    datastores: {},
    placements,
    networkPermits: Object.fromEntries(permits.map((r) => [r.name, toPermit(r)])),
  };
  for (const r of images)
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
  for (const r of limits)
    (snapshot.limits[r.resource_type] ??= {})[r.name] = {
      min: Number(r.min_value),
      max: Number(r.max_value),
    };
  for (const r of networks) snapshot.networks[r.name] = toCatalogNetwork(r);
  for (const r of clusters)
    snapshot.clusters[r.name] = { name: r.name, datacenter: r.datacenter, vmFolder: r.vm_folder };
  for (const r of datastores) snapshot.datastores[r.name] = { name: r.name, datacenter: r.datacenter };
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

/** A catalog_networks row as the handlers see it. */
export function toCatalogNetwork(r: NetworkRow): CatalogNetwork {
  return {
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
    ...(r.built_by_trace !== null
      ? { builtBy: { traceId: r.built_by_trace, tenant: r.tenant ?? '', vrf: r.vrf ?? '' } }
      : {}),
  };
}

function toPermit(r: PermitRow): NetworkPermit {
  return {
    name: r.name,
    tenant: r.tenant,
    vrf: r.vrf,
    cidr: r.cidr,
    minPrefix: r.min_prefix,
    maxPrefix: r.max_prefix,
    datacenter: r.datacenter,
    vmmDomain: r.vmm_domain,
    vlanMin: r.vlan_min,
    vlanMax: r.vlan_max,
    dnsServers: r.dns_servers,
    dnsDomain: r.dns_domain,
    enabled: r.enabled,
  };
}

/** Every network permit, by name. */
export async function listNetworkPermits(pool: Pool): Promise<NetworkPermit[]> {
  const { rows } = await pool.query<PermitRow>(`SELECT ${permitColumns} FROM network_permits ORDER BY name`);
  return rows.map(toPermit);
}

/** Creates or replaces a network permit (an admin action, recorded with who did it). */
export async function setNetworkPermit(
  pool: Pool,
  permit: NetworkPermit,
  updatedBy: string,
): Promise<NetworkPermit> {
  const { rows } = await pool.query<PermitRow>(
    `INSERT INTO network_permits (name, tenant, vrf, cidr, min_prefix, max_prefix, datacenter, vmm_domain,
                                  vlan_min, vlan_max, dns_servers, dns_domain, enabled, updated_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::inet[], $12, $13, $14, now())
     ON CONFLICT (name) DO UPDATE SET
       tenant = EXCLUDED.tenant, vrf = EXCLUDED.vrf, cidr = EXCLUDED.cidr, min_prefix = EXCLUDED.min_prefix,
       max_prefix = EXCLUDED.max_prefix, datacenter = EXCLUDED.datacenter, vmm_domain = EXCLUDED.vmm_domain,
       vlan_min = EXCLUDED.vlan_min, vlan_max = EXCLUDED.vlan_max, dns_servers = EXCLUDED.dns_servers,
       dns_domain = EXCLUDED.dns_domain, enabled = EXCLUDED.enabled,
       updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
     RETURNING ${permitColumns}`,
    [
      permit.name,
      permit.tenant,
      permit.vrf,
      permit.cidr,
      permit.minPrefix,
      permit.maxPrefix,
      permit.datacenter,
      permit.vmmDomain,
      permit.vlanMin,
      permit.vlanMax,
      permit.dnsServers,
      permit.dnsDomain,
      permit.enabled,
      updatedBy,
    ],
  );
  return toPermit(rows[0]!);
}
