/**
 * The resources in Postgres (0008_resource_owners, 0013_resource_lifecycle): what exists, is
 * being built or was removed, and whose it is. The creating request's preparation claims a name
 * for its requester; the request's end settles the claim (built: active; failed or cancelled:
 * given up; removed: kept as `removed`, its name free to build again); the resource's workflow
 * moves it through its life (common/lifecycle.ts); admins give a resource to another owner or
 * group, recorded with who and when.
 */
import type { Pool, PoolClient } from 'pg';
import type { Ownership } from '../../common/authority';
import { resourceStates, type ResourceState } from '../../common/lifecycle';

export { resourceStates, type ResourceState };

/** One resource and whose it is. */
export interface ResourceRecord extends Ownership {
  type: string;
  name: string;
  state: ResourceState;
  managed: boolean;
  createdByRequest: string;
  traceId: string;
  createdAt: string;
  ownerChangedBy: string | null;
  ownerChangedAt: string | null;
  leaseEnd: string | null;
  size: Record<string, unknown>;
  placement: Record<string, unknown>;
  externalIds: Record<string, unknown>;
  commit: string | null;
  workflowId: string | null;
  stateChangedAt: string;
}

/** Whether the resource exists for every purpose but the inventory: neither removed nor given up. */
export function exists(r: ResourceRecord | undefined): r is ResourceRecord {
  return r !== undefined && r.state !== 'removed';
}

/** Another trace holds the name: a resource of that name exists or is being built. */
export class ResourceExistsError extends Error {
  constructor(readonly holder: ResourceRecord) {
    super(`a ${holder.type} named ${holder.name} already exists`);
  }
}

const columns = `resource_type, name, state, managed, owner, owner_group, created_by_request, trace_id,
                 created_at, owner_changed_by, owner_changed_at, lease_end, size, placement,
                 external_ids, commit_sha, workflow_id, state_changed_at`;

interface Row {
  resource_type: string;
  name: string;
  state: ResourceState;
  managed: boolean;
  owner: string;
  owner_group: string | null;
  created_by_request: string;
  trace_id: string;
  created_at: Date;
  owner_changed_by: string | null;
  owner_changed_at: Date | null;
  lease_end: Date | null;
  size: Record<string, unknown>;
  placement: Record<string, unknown>;
  external_ids: Record<string, unknown>;
  commit_sha: string | null;
  workflow_id: string | null;
  state_changed_at: Date;
}

function toRecord(r: Row): ResourceRecord {
  return {
    type: r.resource_type,
    name: r.name,
    state: r.state,
    managed: r.managed,
    owner: r.owner,
    group: r.owner_group,
    createdByRequest: r.created_by_request,
    traceId: r.trace_id,
    createdAt: r.created_at.toISOString(),
    ownerChangedBy: r.owner_changed_by,
    ownerChangedAt: r.owner_changed_at?.toISOString() ?? null,
    leaseEnd: r.lease_end?.toISOString() ?? null,
    size: r.size,
    placement: r.placement,
    externalIds: r.external_ids,
    commit: r.commit_sha,
    workflowId: r.workflow_id,
    stateChangedAt: r.state_changed_at.toISOString(),
  };
}

/**
 * The row of that type and name, whatever its state (a removed one included: see `exists`);
 * undefined when the name was never built.
 */
export async function findResource(
  db: Pool | PoolClient,
  type: string,
  name: string,
): Promise<ResourceRecord | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM resources WHERE resource_type = $1 AND name = $2`,
    [type, name],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** A creating request's claim on a name. */
export interface ResourceClaim {
  type: string;
  name: string;
  managed: boolean;
  owner: string;
  group: string | null;
  requestId: string;
  traceId: string;
}

/**
 * Records a resource about to be built, owned by its requester, and the request as its first.
 * Idempotent within a trace: a retry, or a re-run of the request, finds its own claim and keeps it
 * as it is. A removed resource of that name gives its row to the new one. Another trace's
 * resource of that name is a ResourceExistsError.
 */
export async function claimResource(pool: Pool, claim: ResourceClaim): Promise<ResourceRecord> {
  // A claim committed by another transaction while this statement waited on it is not in this
  // statement's snapshot: the next statement sees it.
  for (let attempt = 1; ; attempt++) {
    const record = await claimOnce(pool, claim);
    if (record) {
      if (record.traceId !== claim.traceId) throw new ResourceExistsError(record);
      return record;
    }
    if (attempt === 3) throw new Error(`${claim.type} ${claim.name}: neither claimed nor found`);
  }
}

async function claimOnce(pool: Pool, claim: ResourceClaim): Promise<ResourceRecord | undefined> {
  const { rows } = await pool.query<Row>(
    `WITH claimed AS (
       INSERT INTO resources (resource_type, name, state, managed, owner, owner_group, created_by_request, trace_id)
       VALUES ($1, $2, 'building', $3, $4, $5, $6, $7)
       ON CONFLICT (resource_type, name) DO UPDATE
         SET state = 'building', managed = EXCLUDED.managed, owner = EXCLUDED.owner,
             owner_group = EXCLUDED.owner_group, created_by_request = EXCLUDED.created_by_request,
             trace_id = EXCLUDED.trace_id, created_at = now(), owner_changed_by = NULL,
             owner_changed_at = NULL, lease_end = NULL, size = '{}', placement = '{}',
             external_ids = '{}', commit_sha = NULL, workflow_id = NULL, state_changed_at = now()
         WHERE resources.state = 'removed'
       RETURNING ${columns}),
          acted AS (
       INSERT INTO resource_requests (resource_type, name, request_id, trace_id, action)
       SELECT resource_type, name, created_by_request, trace_id, 'create' FROM claimed
       ON CONFLICT DO NOTHING)
     SELECT ${columns} FROM claimed
     UNION ALL
     SELECT ${columns} FROM resources WHERE resource_type = $1 AND name = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`,
    [claim.type, claim.name, claim.managed, claim.owner, claim.group, claim.requestId, claim.traceId],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** How one resource of a request ended, as the request's outcome says. */
export interface SettledResource {
  type: string;
  name: string;
  action: string;
  state: string;
  /** What its template gave (a create's VM ID, job or run, commit). */
  output?: unknown;
  /** The commit that recorded its removal. */
  removalCommit?: string | null;
}

/** The template output keys that name a resource in an end system, as the inventory shows them. */
export const externalIdKeys = ['vm', 'awxJob', 'tfeRun', 'tfeWorkspace'] as const;

function externalIdsOf(output: unknown): Record<string, unknown> {
  const o = (output ?? {}) as Record<string, unknown>;
  return Object.fromEntries(externalIdKeys.filter((k) => o[k] != null).map((k) => [k, o[k]]));
}

/**
 * Settles what a request that ended did to its resources: a create that succeeded makes its
 * resource active (with its external IDs and commit); a create that did not gives up its trace's
 * claim; a day-2 change that succeeded keeps its commit and external IDs; a removal that
 * succeeded leaves the resource `removed`, its name free. Every resource
 * the request acted on lists it (a create that was given up is gone with its claim).
 */
export async function settleResources(
  db: Pool | PoolClient,
  ids: { traceId: string; requestId: string },
  outcomes: readonly SettledResource[],
): Promise<void> {
  if (outcomes.length === 0) return;
  const rows = outcomes.map((o) => ({
    type: o.type,
    name: o.name,
    action: o.action,
    state: o.state,
    external_ids: externalIdsOf(o.output),
    commit: ((o.output ?? {}) as { commit?: unknown }).commit ?? o.removalCommit ?? null,
  }));
  await db.query(
    `WITH o AS (SELECT * FROM jsonb_to_recordset($2::jsonb)
                  AS o(type text, name text, action text, state text, external_ids jsonb, commit text)),
          acted AS (
            INSERT INTO resource_requests (resource_type, name, request_id, trace_id, action)
            SELECT o.type, o.name, $3, $1, o.action FROM o
             WHERE EXISTS (SELECT 1 FROM resources r WHERE r.resource_type = o.type AND r.name = o.name)
               AND NOT (o.action = 'create' AND o.state <> 'succeeded')
            ON CONFLICT DO NOTHING),
          activated AS (
            UPDATE resources r
               SET state = CASE WHEN r.state = 'building' THEN 'active' ELSE r.state END,
                   state_changed_at = CASE WHEN r.state = 'building' THEN now() ELSE r.state_changed_at END,
                   external_ids = r.external_ids || o.external_ids,
                   commit_sha = coalesce(o.commit, r.commit_sha)
              FROM o
             WHERE r.resource_type = o.type AND r.name = o.name AND r.trace_id = $1
               AND o.action = 'create' AND o.state = 'succeeded'),
          changed AS (
            UPDATE resources r
               SET external_ids = r.external_ids || o.external_ids,
                   commit_sha = coalesce(o.commit, r.commit_sha)
              FROM o
             WHERE r.resource_type = o.type AND r.name = o.name AND r.state <> 'removed'
               AND o.action IN ('update', 'power') AND o.state = 'succeeded'),
          removed AS (
            UPDATE resources r
               SET state = 'removed', state_changed_at = now(), commit_sha = coalesce(o.commit, r.commit_sha)
              FROM o
             WHERE r.resource_type = o.type AND r.name = o.name AND r.state <> 'removed'
               AND o.action = 'delete' AND o.state = 'succeeded')
     DELETE FROM resources r USING o
      WHERE r.resource_type = o.type AND r.name = o.name AND r.state = 'building'
        AND o.action = 'create' AND o.state <> 'succeeded' AND r.trace_id = $1`,
    [ids.traceId, JSON.stringify(rows), ids.requestId],
  );
}

/**
 * Records what the inventory shows of a resource, from its common format: of one being built by
 * the trace `traceId`, with its lease end; of one a day-2 change changed (no trace), without.
 * False when no such resource is there.
 */
export async function recordSummary(
  db: Pool | PoolClient,
  at: { type: string; name: string; traceId?: string },
  summary: { size: unknown; placement: unknown; leaseEnd?: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE resources SET size = $4, placement = $5,
            lease_end = CASE WHEN $6 THEN $7::timestamptz ELSE lease_end END
      WHERE resource_type = $1 AND name = $2 AND ($3::text IS NULL OR trace_id = $3) AND state <> 'removed'`,
    [
      at.type,
      at.name,
      at.traceId ?? null,
      JSON.stringify(summary.size),
      JSON.stringify(summary.placement),
      summary.leaseEnd !== undefined,
      summary.leaseEnd ?? null,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** A resource workflow's record of its resource's state (and lease, and itself). */
export interface StateChange {
  type: string;
  name: string;
  traceId: string;
  state: ResourceState;
  /** Absent: unchanged; null: no lease. */
  leaseEnd?: string | null;
  workflowId?: string;
}

/**
 * Sets the state (and lease end, and owning workflow) of the resource the trace built; undefined
 * when the trace holds no such resource (another trace rebuilt the name).
 */
export async function recordState(
  db: Pool | PoolClient,
  change: StateChange,
): Promise<ResourceRecord | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE resources
        SET state = $4,
            state_changed_at = CASE WHEN state = $4 THEN state_changed_at ELSE now() END,
            lease_end = CASE WHEN $5 THEN $6::timestamptz ELSE lease_end END,
            workflow_id = coalesce($7, workflow_id)
      WHERE resource_type = $1 AND name = $2 AND trace_id = $3
      RETURNING ${columns}`,
    [
      change.type,
      change.name,
      change.traceId,
      change.state,
      change.leaseEnd !== undefined,
      change.leaseEnd ?? null,
      change.workflowId ?? null,
    ],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** Records that a request acts on a resource (listed by the inventory). */
export async function recordActedOn(
  db: Pool | PoolClient,
  acted: { type: string; name: string; requestId: string; traceId: string; action: string },
): Promise<void> {
  await db.query(
    `INSERT INTO resource_requests (resource_type, name, request_id, trace_id, action)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [acted.type, acted.name, acted.requestId, acted.traceId, acted.action],
  );
}

/** Who lists the inventory: what they may see (mayActOn, as SQL). */
export interface InventoryViewer {
  subject: string;
  groups: readonly string[];
  all: boolean;
}

export interface InventoryFilter {
  type?: string;
  owner?: string;
  /** Absent: every state but `removed`. */
  state?: ResourceState;
  leaseEndBefore?: string;
  limit: number;
  after?: InventoryPosition;
}

/** A resource's place in the inventory: its creation in microseconds since the epoch, type and name. */
export interface InventoryPosition {
  createdMicros: string;
  type: string;
  name: string;
}

/** Newest first, keyset-paginated, only what the viewer may see; one page and the next position. */
export async function listResources(
  pool: Pool,
  viewer: InventoryViewer,
  filter: InventoryFilter,
): Promise<{ rows: ResourceRecord[]; next?: InventoryPosition }> {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (value: unknown) => {
    args.push(value);
    return `$${args.length}`;
  };
  if (!viewer.all)
    where.push(`(owner = ${arg(viewer.subject)} OR owner_group = ANY(${arg([...viewer.groups])}::text[]))`);
  if (filter.type) where.push(`resource_type = ${arg(filter.type)}`);
  if (filter.owner) where.push(`owner = ${arg(filter.owner)}`);
  where.push(filter.state ? `state = ${arg(filter.state)}` : `state <> 'removed'`);
  if (filter.leaseEndBefore) where.push(`lease_end < ${arg(filter.leaseEndBefore)}::timestamptz`);
  if (filter.after) {
    const micros = arg(filter.after.createdMicros);
    where.push(
      `(created_at, resource_type, name) < ('epoch'::timestamptz + ${micros}::bigint * interval '1 microsecond', ${arg(filter.after.type)}, ${arg(filter.after.name)})`,
    );
  }
  const { rows } = await pool.query<Row & { created_micros: string }>(
    `SELECT ${columns}, (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros
       FROM resources WHERE ${where.join(' AND ')}
      ORDER BY created_at DESC, resource_type DESC, name DESC LIMIT ${arg(filter.limit + 1)}`,
    args,
  );
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    rows: page.map(toRecord),
    ...(rows.length > filter.limit && last
      ? { next: { createdMicros: String(last.created_micros), type: last.resource_type, name: last.name } }
      : {}),
  };
}

/** A request that acted on a resource, as the inventory lists it. */
export interface ActingRequest {
  requestId: string;
  traceId: string;
  action: string;
  status: string | null;
  at: string;
}

/** The requests that acted on the resource since it was (last) created, oldest first. */
export async function requestsActingOn(pool: Pool, r: ResourceRecord): Promise<ActingRequest[]> {
  const { rows } = await pool.query(
    `SELECT a.request_id, a.trace_id, a.action, q.status, a.at
       FROM resource_requests a LEFT JOIN requests q USING (request_id)
      WHERE a.resource_type = $1 AND a.name = $2 AND a.at >= $3::timestamptz
      ORDER BY a.at, a.request_id`,
    [r.type, r.name, r.createdAt],
  );
  return rows.map((x) => ({
    requestId: x.request_id,
    traceId: x.trace_id,
    action: x.action,
    status: x.status ?? null,
    at: (x.at as Date).toISOString(),
  }));
}

/** How many resources' leases end within each of the given horizons (seconds from now). */
export async function countLeasesEnding(pool: Pool, horizons: readonly number[]): Promise<number[]> {
  const { rows } = await pool.query(
    `SELECT h, count(r.name)::int AS n
       FROM unnest($1::int[]) AS h
       LEFT JOIN resources r
         ON r.lease_end IS NOT NULL AND r.state NOT IN ('removed', 'removing')
        AND r.lease_end < now() + h * interval '1 second'
      GROUP BY h ORDER BY h`,
    [[...horizons]],
  );
  const byHorizon = new Map(rows.map((r) => [Number(r.h), Number(r.n)]));
  return horizons.map((h) => byHorizon.get(h) ?? 0);
}

/** An admin's change of a resource's owner and group. */
export interface OwnershipChange {
  type: string;
  name: string;
  owner: string;
  group: string | null;
  changedBy: string;
}

/**
 * Gives a resource to a new owner and group, and records the change with who made it and when
 * (in the same statement); undefined when there is no such resource (or it was removed).
 */
export async function changeOwnership(
  pool: Pool,
  change: OwnershipChange,
): Promise<ResourceRecord | undefined> {
  // The subquery locks the row and reads it as it was before this change, in one statement.
  const { rows } = await pool.query<Row>(
    `WITH changed AS (
       UPDATE resources r
          SET owner = $3, owner_group = $4, owner_changed_by = $5, owner_changed_at = now()
         FROM (SELECT owner, owner_group FROM resources
                WHERE resource_type = $1 AND name = $2 AND state <> 'removed' FOR UPDATE) AS was
        WHERE r.resource_type = $1 AND r.name = $2
        RETURNING r.*, was.owner AS from_owner, was.owner_group AS from_group),
          logged AS (
       INSERT INTO resource_owner_changes
              (resource_type, name, from_owner, from_group, to_owner, to_group, changed_by, changed_at)
       SELECT resource_type, name, from_owner, from_group, owner, owner_group, owner_changed_by, owner_changed_at
         FROM changed)
     SELECT ${columns} FROM changed`,
    [change.type, change.name, change.owner, change.group, change.changedBy],
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}
