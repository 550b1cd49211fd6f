/**
 * The resources in Postgres (0008_resource_owners): what exists or is being built, and whose it
 * is. The creating request's preparation claims a name for its requester; the request's end
 * settles the claim (built: active; failed or cancelled: gone; removed: gone); admins give a
 * resource to another owner or group, recorded with who and when.
 */
import type { Pool, PoolClient } from 'pg';
import type { Ownership } from '../../common/authority';

export type ResourceState = 'building' | 'active';

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
}

/** Another trace holds the name: a resource of that name exists or is being built. */
export class ResourceExistsError extends Error {
  constructor(readonly holder: ResourceRecord) {
    super(`a ${holder.type} named ${holder.name} already exists`);
  }
}

const columns = `resource_type, name, state, managed, owner, owner_group, created_by_request, trace_id,
                 created_at, owner_changed_by, owner_changed_at`;

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
  };
}

/** The resource of that type and name, built or being built; undefined when there is none. */
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
 * Records a resource about to be built, owned by its requester. Idempotent within a trace: a
 * retry, or a re-run of the request, finds its own claim and keeps it as it is. Another trace's
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
       ON CONFLICT (resource_type, name) DO NOTHING
       RETURNING ${columns})
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
}

/**
 * Settles what a request that ended did to its resources: a create that succeeded makes its
 * resource active; a create that did not gives up its trace's claim; a removal that succeeded
 * removes the resource.
 */
export async function settleResources(
  db: Pool | PoolClient,
  traceId: string,
  outcomes: readonly SettledResource[],
): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `WITH o AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS o(type text, name text, action text, state text)),
          activated AS (
            UPDATE resources r SET state = 'active' FROM o
             WHERE r.resource_type = o.type AND r.name = o.name AND r.trace_id = $1
               AND o.action = 'create' AND o.state = 'succeeded')
     DELETE FROM resources r USING o
      WHERE r.resource_type = o.type AND r.name = o.name
        AND ((o.action = 'create' AND o.state <> 'succeeded' AND r.trace_id = $1)
          OR (o.action = 'delete' AND o.state = 'succeeded'))`,
    [
      traceId,
      JSON.stringify(outcomes.map(({ type, name, action, state }) => ({ type, name, action, state }))),
    ],
  );
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
 * (in the same statement); undefined when there is no such resource.
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
                WHERE resource_type = $1 AND name = $2 FOR UPDATE) AS was
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
