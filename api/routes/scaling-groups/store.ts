/** Scaling groups in PostgreSQL (table `scaling_groups`, migration 0017), and their members. */
import type { Pool, PoolClient } from 'pg';
import { memberPattern, type ScalingGroupChange, type ScalingGroupCreate } from './schema';

export interface ScalingGroup {
  name: string;
  offering: string;
  step: number;
  maxSize: number;
  cooldownSeconds: number;
  naming: string;
  owner: string;
  group: string | null;
  /** The number the next VM's name starts from (at least). */
  nextIndex: number;
  lastScaledAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

const columns = `name, offering, step, max_size, cooldown_seconds, naming, owner, owner_group, next_index,
  last_scaled_at, created_by, created_at, updated_by, updated_at`;

function fromRow(r: Record<string, unknown>): ScalingGroup {
  const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : null);
  return {
    name: r.name as string,
    offering: r.offering as string,
    step: r.step as number,
    maxSize: r.max_size as number,
    cooldownSeconds: r.cooldown_seconds as number,
    naming: r.naming as string,
    owner: r.owner as string,
    group: (r.owner_group as string | null) ?? null,
    nextIndex: r.next_index as number,
    lastScaledAt: iso(r.last_scaled_at),
    createdBy: r.created_by as string,
    createdAt: iso(r.created_at)!,
    updatedBy: r.updated_by as string,
    updatedAt: iso(r.updated_at)!,
  };
}

/** The naming a group gets when its definition gives none. */
export const defaultNaming = (name: string) => `${name}-{n}`;

export async function listScalingGroups(pool: Pool): Promise<ScalingGroup[]> {
  const { rows } = await pool.query(`SELECT ${columns} FROM scaling_groups ORDER BY name`);
  return rows.map(fromRow);
}

/** A group by name; with `lock`, locked until the end of `db`'s transaction (scale-outs of it wait). */
export async function getScalingGroup(
  db: Pool | PoolClient,
  name: string,
  opts: { lock?: boolean } = {},
): Promise<ScalingGroup | undefined> {
  const { rows } = await db.query(
    `SELECT ${columns} FROM scaling_groups WHERE name = $1 ${opts.lock ? 'FOR UPDATE' : ''}`,
    [name],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export class ScalingGroupExistsError extends Error {}

export async function createScalingGroup(
  pool: Pool,
  g: ScalingGroupCreate,
  by: string,
): Promise<ScalingGroup> {
  const { rows } = await pool.query(
    `INSERT INTO scaling_groups (name, offering, step, max_size, cooldown_seconds, naming, owner, owner_group, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (name) DO NOTHING RETURNING ${columns}`,
    [
      g.name,
      g.offering,
      g.step,
      g.maxSize,
      g.cooldownSeconds,
      g.naming ?? defaultNaming(g.name),
      g.owner,
      g.group ?? null,
      by,
    ],
  );
  if (!rows[0]) throw new ScalingGroupExistsError(`a scaling group named ${g.name} already exists`);
  return fromRow(rows[0]);
}

/** Replaces a group's definition (its numbering and last scale-out stay); undefined when there is none. */
export async function changeScalingGroup(
  pool: Pool,
  name: string,
  g: ScalingGroupChange,
  by: string,
): Promise<ScalingGroup | undefined> {
  const { rows } = await pool.query(
    `UPDATE scaling_groups SET offering = $2, step = $3, max_size = $4, cooldown_seconds = $5, naming = $6,
            owner = $7, owner_group = $8, updated_by = $9, updated_at = now()
      WHERE name = $1 RETURNING ${columns}`,
    [
      name,
      g.offering,
      g.step,
      g.maxSize,
      g.cooldownSeconds,
      g.naming ?? defaultNaming(name),
      g.owner,
      g.group ?? null,
      by,
    ],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Deletes a group (the VMs it built stay, as do the records of the firings); false when there is none. */
export async function deleteScalingGroup(pool: Pool, name: string): Promise<boolean> {
  const { rowCount } = await pool.query('DELETE FROM scaling_groups WHERE name = $1', [name]);
  return rowCount === 1;
}

/**
 * A group's live members: the resources of `resourceType` its naming gives a name to that are
 * built or being built (not removed, not failed), and the names an unfinished request claims (a
 * request just recorded, whose workflow has not prepared them yet); and the highest number among
 * them, so new names continue after VMs someone built by hand.
 */
export async function groupMembers(
  db: Pool | PoolClient,
  resourceType: string,
  naming: string,
): Promise<{ size: number; highest: number }> {
  const { rows } = await db.query(
    `WITH names AS (
       SELECT name FROM resources
        WHERE resource_type = $1 AND state NOT IN ('removed', 'failed') AND name ~ $2
       UNION
       SELECT name FROM resource_claims WHERE resource_type = $1 AND name ~ $2)
     SELECT count(*)::int AS size,
            coalesce(max(substring(name FROM $2)::bigint), 0)::bigint AS highest FROM names`,
    [resourceType, memberPattern(naming)],
  );
  return { size: rows[0].size as number, highest: Number(rows[0].highest) };
}
