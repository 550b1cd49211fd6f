/**
 * IP address management in Postgres. An allocation takes the lowest free address of a network's
 * range (never the gateway) while holding that network's row lock, so concurrent allocations on
 * one network queue up instead of colliding; the partial unique indexes of 0005_ip_allocations
 * refuse a second live holder of an address, or a second live address for one resource, even if
 * that reasoning were wrong. Allocation is idempotent: a resource holds at most one live address,
 * and the same request (or a re-run in the same trace) gets that address back.
 */
import type { Pool, PoolClient } from 'pg';
import type { AddressAllocation } from '../types';

/** Who asks for an address, and on which network. */
export interface AllocationRequest {
  network: string;
  resourceType: string;
  resourceName: string;
  requestId: string;
  traceId: string;
}

export interface AddressLease {
  network: string;
  address: string;
  resourceType: string;
  resourceName: string;
  requestId: string;
  traceId: string;
  allocatedAt: string;
}

/** The network is not in the catalog, or is disabled. */
export class NetworkNotFoundError extends Error {}
/** Every address of the network's range is taken. */
export class AddressPoolExhaustedError extends Error {}
/** Another request, outside this trace, holds an address for a resource of this name. */
export class ResourceNameInUseError extends Error {
  constructor(
    readonly resourceName: string,
    readonly holder: { requestId: string; traceId: string },
  ) {
    super(`${resourceName} already has an address, allocated for request ${holder.requestId}`);
  }
}

const UNIQUE_VIOLATION = '23505';

/**
 * The lowest free address of network $1's range, never its gateway: what an allocation takes.
 * Only the range's start and the address after each taken one (or after the gateway) can be the
 * lowest free one, so those are the candidates: a look-up per live allocation, however wide the
 * range. (Walking the whole range, a /16 cost PostgreSQL 65,536 rows per look-up, and the API's
 * plan of every submission made one: bench/README.md.)
 */
const LOWEST_FREE_ADDRESS = `
  SELECT n.name AS network, c.address
    FROM catalog_networks n,
         LATERAL (
           SELECT host(n.range_start)::inet AS address
           UNION ALL SELECT host(n.gateway + 1)::inet
           UNION ALL SELECT host(a.address + 1)::inet FROM ip_allocations a
                      WHERE a.network = n.name AND a.released_at IS NULL
                        AND a.address < host(n.range_end)::inet
         ) AS c
   WHERE n.name = $1
     AND c.address BETWEEN host(n.range_start)::inet AND host(n.range_end)::inet
     AND c.address <> host(n.gateway)::inet
     AND NOT EXISTS (
       SELECT 1 FROM ip_allocations a
        WHERE a.network = n.name AND a.released_at IS NULL AND a.address = c.address)
   ORDER BY c.address
   LIMIT 1`;

interface LeaseRow {
  network: string;
  address: string;
  resource_type: string;
  resource_name: string;
  request_id: string;
  trace_id: string;
  allocated_at: Date;
}

const leaseColumns =
  'network, host(address) AS address, resource_type, resource_name, request_id, trace_id, allocated_at';

function toLease(r: LeaseRow): AddressLease {
  return {
    network: r.network,
    address: r.address,
    resourceType: r.resource_type,
    resourceName: r.resource_name,
    requestId: r.request_id,
    traceId: r.trace_id,
    allocatedAt: r.allocated_at.toISOString(),
  };
}

/** Runs `fn` in one transaction on one connection: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Allocates an address for a resource, or returns the one it already holds for this request or
 * trace (`reused: true`). A re-run in the same trace that asks for another network gets its old
 * address released and a new one.
 */
export async function allocateAddress(
  pool: Pool,
  req: AllocationRequest,
): Promise<AddressLease & { reused: boolean }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(pool, (client) => allocateOnce(client, req));
    } catch (err) {
      // Another transaction won a unique index between our read and our insert: read again.
      if ((err as { code?: string }).code === UNIQUE_VIOLATION && attempt < 5) continue;
      throw err;
    }
  }
}

async function allocateOnce(
  client: PoolClient,
  req: AllocationRequest,
): Promise<AddressLease & { reused: boolean }> {
  const network = await client.query<{ name: string; range_start: string; range_end: string }>(
    `SELECT name, host(range_start) AS range_start, host(range_end) AS range_end
       FROM catalog_networks WHERE name = $1 AND enabled FOR UPDATE`,
    [req.network],
  );
  const net = network.rows[0];
  if (!net) throw new NetworkNotFoundError(`network '${req.network}' is not in the catalog (or is disabled)`);

  const held = await client.query<LeaseRow & { id: string }>(
    `SELECT id, ${leaseColumns} FROM ip_allocations
      WHERE resource_type = $1 AND resource_name = $2 AND released_at IS NULL FOR UPDATE`,
    [req.resourceType, req.resourceName],
  );
  const current = held.rows[0];
  if (current) {
    if (current.request_id !== req.requestId && current.trace_id !== req.traceId)
      throw new ResourceNameInUseError(req.resourceName, {
        requestId: current.request_id,
        traceId: current.trace_id,
      });
    if (current.network === req.network) return { ...toLease(current), reused: true };
    await client.query(
      'UPDATE ip_allocations SET released_at = now(), released_by_request = $2 WHERE id = $1',
      [current.id, req.requestId],
    );
  }

  const inserted = await client.query<LeaseRow>(
    `INSERT INTO ip_allocations (network, address, resource_type, resource_name, request_id, trace_id)
     SELECT network, address, $2, $3, $4, $5 FROM (${LOWEST_FREE_ADDRESS}) AS f
     RETURNING ${leaseColumns}`,
    [req.network, req.resourceType, req.resourceName, req.requestId, req.traceId],
  );
  const row = inserted.rows[0];
  if (!row)
    throw new AddressPoolExhaustedError(
      `no free address on network '${req.network}' (range ${net.range_start} - ${net.range_end})`,
    );
  return { ...toLease(row), reused: false };
}

/** Which live addresses to release: a resource's, optionally only one address of it. */
export interface ReleaseRequest {
  resourceType: string;
  resourceName: string;
  /** The request that releases (a decommission, or the failed request's compensation). */
  requestId: string;
  address?: string;
  /** Only if the address was allocated in this trace: how a failed request's undo stays in its lane. */
  heldByTraceId?: string;
}

/** Releases a resource's live address; releasing what is already free releases nothing. */
export async function releaseAddress(pool: Pool, req: ReleaseRequest): Promise<AddressLease[]> {
  const { rows } = await pool.query<LeaseRow>(
    `UPDATE ip_allocations SET released_at = now(), released_by_request = $3
      WHERE resource_type = $1 AND resource_name = $2 AND released_at IS NULL
        AND ($4::inet IS NULL OR address = $4::inet)
        AND ($5::text IS NULL OR trace_id = $5::text)
      RETURNING ${leaseColumns}`,
    [req.resourceType, req.resourceName, req.requestId, req.address ?? null, req.heldByTraceId ?? null],
  );
  return rows.map(toLease);
}

/** The live addresses of resources by name: lets the API refuse a name already in use. */
export async function findLiveAddresses(
  pool: Pool,
  resourceType: string,
  resourceNames: readonly string[],
): Promise<AddressLease[]> {
  const { rows } = await pool.query<LeaseRow>(
    `SELECT ${leaseColumns} FROM ip_allocations
      WHERE resource_type = $1 AND resource_name = ANY($2::text[]) AND released_at IS NULL
      ORDER BY resource_name`,
    [resourceType, resourceNames],
  );
  return rows.map(toLease);
}

/**
 * The address an allocation for the resource would get now, holding nothing: the live one it
 * already has on that network, else the lowest free address of the range (never the gateway).
 * What the plan preview shows, marked provisional: another allocation may take it first.
 */
export async function peekAddress(
  pool: Pool,
  req: Pick<AllocationRequest, 'network' | 'resourceType' | 'resourceName'>,
): Promise<AddressAllocation> {
  const { rows } = await pool.query<{ enabled: boolean | null; held: string | null; free: string | null }>(
    `SELECT
       (SELECT enabled FROM catalog_networks WHERE name = $1) AS enabled,
       (SELECT host(address) FROM ip_allocations
         WHERE network = $1 AND resource_type = $2 AND resource_name = $3 AND released_at IS NULL) AS held,
       (SELECT host(address) FROM (${LOWEST_FREE_ADDRESS}) AS f) AS free`,
    [req.network, req.resourceType, req.resourceName],
  );
  const r = rows[0]!;
  if (!r.enabled)
    throw new NetworkNotFoundError(`network '${req.network}' is not in the catalog (or is disabled)`);
  const address = r.held ?? r.free;
  if (!address) throw new AddressPoolExhaustedError(`no free address on network '${req.network}'`);
  return { network: req.network, address };
}
