/**
 * The address pools of networks that requests build, in Postgres beside the admin's own
 * (catalog_networks). Preparing a network reserves its subnet as a disabled pool: the overlap
 * check, the choice of a VLAN and the insert happen under one table lock, so two requests cannot
 * both take overlapping subnets or one VLAN. The build enables the pool (the IPAM then hands out
 * its addresses and VMs may name it); its removal deletes it, refused while VMs hold addresses.
 */
import type { Pool, PoolClient } from 'pg';
import { numberToIpv4, parseCidr } from '../ipv4';
import type { CatalogNetwork } from '../types';
import { networkColumns, toCatalogNetwork, type NetworkRow } from './catalog';
import { inTransaction } from './ipam';

/** The subnet overlaps networks that exist (or are being built). */
export class SubnetOverlapError extends Error {
  constructor(readonly overlapping: { name: string; cidr: string }[]) {
    super(`overlaps ${overlapping.map((n) => `${n.name} (${n.cidr})`).join(', ')}`);
  }
}
/** Another trace holds a network (or catalog network) of that name. */
export class NetworkNameTakenError extends Error {}
/** The permit is gone, disabled, or has no VLAN left. */
export class NetworkPermitError extends Error {}
/** VMs still hold addresses on the network. */
export class NetworkInUseError extends Error {
  constructor(
    readonly network: string,
    readonly users: string[],
  ) {
    super(`network ${network} still has ${users.length} VM(s) on it: ${users.join(', ')}`);
  }
}

/** What a request reserves for a new network. */
export interface SubnetReservation {
  network: string;
  cidr: string;
  permit: string;
  traceId: string;
}

/**
 * The addressing of a new subnet: the first host is the gateway; a subnet of 64 addresses or more
 * keeps the first ten for static infrastructure, as the lab's networks do; the broadcast is never
 * handed out.
 */
export function subnetAddressing(cidr: string): { gateway: string; rangeStart: string; rangeEnd: string } {
  const { base, prefixLength } = parseCidr(cidr);
  const size = 2 ** (32 - prefixLength);
  return {
    gateway: numberToIpv4(base + 1),
    rangeStart: numberToIpv4(base + (size >= 64 ? 10 : 2)),
    rangeEnd: numberToIpv4(base + size - 2),
  };
}

/**
 * Reserves a new network's subnet as a disabled pool, or returns the one this trace reserved
 * already (a retried prepare, a re-run). Throws SubnetOverlapError, NetworkNameTakenError or
 * NetworkPermitError.
 */
export async function reserveSubnet(pool: Pool, req: SubnetReservation): Promise<CatalogNetwork> {
  return inTransaction(pool, (client) => reserveIn(client, req));
}

/**
 * The pool `reserveSubnet` would reserve now (its VLAN, gateway and range), for the plan preview:
 * the same reservation, rolled back, so nothing is held.
 */
export async function peekSubnet(pool: Pool, req: SubnetReservation): Promise<CatalogNetwork> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    return await reserveIn(client, req);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

async function reserveIn(client: PoolClient, req: SubnetReservation): Promise<CatalogNetwork> {
  // Serialises reservations (not allocations, which only lock rows): the overlap check and the
  // VLAN choice below see every other reservation.
  await client.query('LOCK TABLE catalog_networks IN SHARE ROW EXCLUSIVE MODE');
  const same = await client.query<NetworkRow>(
    `SELECT ${networkColumns} FROM catalog_networks WHERE lower(name) = lower($1)`,
    [req.network],
  );
  const held = same.rows[0];
  if (held) {
    if (held.built_by_trace === req.traceId && held.cidr === req.cidr) return toCatalogNetwork(held);
    throw new NetworkNameTakenError(`a network named ${held.name} already exists`);
  }
  const overlapping = await client.query<{ name: string; cidr: string }>(
    'SELECT name, cidr::text AS cidr FROM catalog_networks WHERE cidr && $1::cidr ORDER BY name',
    [req.cidr],
  );
  if (overlapping.rows.length) throw new SubnetOverlapError(overlapping.rows);
  const permits = await client.query<{
    tenant: string;
    vrf: string;
    datacenter: string;
    dns_servers: string[];
    dns_domain: string;
    vlan: number | null;
  }>(
    `SELECT p.tenant, p.vrf, p.datacenter, ARRAY(SELECT host(d) FROM unnest(p.dns_servers) AS d) AS dns_servers,
            p.dns_domain,
            (SELECT min(v) FROM generate_series(p.vlan_min, p.vlan_max) AS v
              WHERE NOT EXISTS (SELECT 1 FROM catalog_networks n WHERE n.datacenter = p.datacenter AND n.vlan = v)) AS vlan
       FROM network_permits p
      WHERE p.name = $1 AND p.enabled AND $2::cidr <<= p.cidr`,
    [req.permit, req.cidr],
  );
  const permit = permits.rows[0];
  if (!permit) throw new NetworkPermitError(`the permit ${req.permit} no longer allows ${req.cidr}`);
  if (permit.vlan === null) throw new NetworkPermitError(`the permit ${req.permit} has no VLAN left`);
  const { gateway, rangeStart, rangeEnd } = subnetAddressing(req.cidr);
  const inserted = await client.query<NetworkRow>(
    `INSERT INTO catalog_networks (name, datacenter, cidr, gateway, dns_servers, dns_domain, vlan,
                                   range_start, range_end, enabled, built_by_trace, tenant, vrf)
     VALUES ($1, $2, $3, $4, $5::inet[], $6, $7, $8, $9, false, $10, $11, $12)
     RETURNING ${networkColumns}`,
    [
      req.network,
      permit.datacenter,
      req.cidr,
      gateway,
      permit.dns_servers,
      permit.dns_domain,
      permit.vlan,
      rangeStart,
      rangeEnd,
      req.traceId,
      permit.tenant,
      permit.vrf,
    ],
  );
  return toCatalogNetwork(inserted.rows[0]!);
}

/** Opens (or closes again) a built network's pool; false when this trace holds no such pool. */
export async function setPoolEnabled(
  pool: Pool,
  at: { network: string; traceId: string },
  enabled: boolean,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    'UPDATE catalog_networks SET enabled = $3 WHERE name = $1 AND built_by_trace = $2',
    [at.network, at.traceId, enabled],
  );
  return (rowCount ?? 0) > 0;
}

/** The resources holding live addresses on a network, by name. */
export async function networkUsers(pool: Pool | PoolClient, network: string): Promise<string[]> {
  const { rows } = await pool.query<{ resource_name: string }>(
    `SELECT resource_name FROM ip_allocations WHERE network = $1 AND released_at IS NULL ORDER BY resource_name`,
    [network],
  );
  return rows.map((r) => r.resource_name);
}

/**
 * Deletes a built network's pool and its address history, refusing (NetworkInUseError) while a
 * resource holds an address on it. `traceId` narrows it to a pool that trace reserved and never
 * opened: how a failed create gives back its reservation. Deleting what is gone deletes nothing.
 */
export async function removePool(
  pool: Pool,
  at: { network: string; traceId?: string },
): Promise<{ removed: boolean }> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM catalog_networks
        WHERE name = $1 AND built_by_trace IS NOT NULL
          AND ($2::text IS NULL OR (built_by_trace = $2::text AND NOT enabled))
        FOR UPDATE`,
      [at.network, at.traceId ?? null],
    );
    if (!rows[0]) return { removed: false };
    const users = await networkUsers(client, at.network);
    if (users.length) throw new NetworkInUseError(at.network, users);
    await client.query('DELETE FROM ip_allocations WHERE network = $1', [at.network]);
    await client.query('DELETE FROM catalog_networks WHERE name = $1', [at.network]);
    return { removed: true };
  });
}
