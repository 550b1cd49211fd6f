/** Offerings in PostgreSQL (table `offerings`, migration 0014), and what ordering one means. */
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Actor } from '../../../common/authority';
import type { FieldProblem } from '../../errors';
import {
  offeringOrderSchema,
  orderFields,
  type OfferingChange,
  type OfferingCreate,
  type OfferingOrder,
} from './schema';

export interface Offering {
  name: string;
  title: string;
  description: string;
  resourceType: string;
  spec: Record<string, unknown>;
  defaultLeaseDays: number;
  maxLeaseDays: number;
  groups: string[];
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  retiredBy: string | null;
  retiredAt: string | null;
}

/** A day, as an offering's lease counts them. */
export const DAY_MS = 86_400_000;

const columns = `name, title, description, resource_type, spec, default_lease_days, max_lease_days, groups,
  created_by, created_at, updated_by, updated_at, retired_by, retired_at`;

function fromRow(r: Record<string, unknown>): Offering {
  const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : null);
  return {
    name: r.name as string,
    title: r.title as string,
    description: r.description as string,
    resourceType: r.resource_type as string,
    spec: r.spec as Record<string, unknown>,
    defaultLeaseDays: r.default_lease_days as number,
    maxLeaseDays: r.max_lease_days as number,
    groups: r.groups as string[],
    createdBy: r.created_by as string,
    createdAt: iso(r.created_at)!,
    updatedBy: r.updated_by as string,
    updatedAt: iso(r.updated_at)!,
    retiredBy: (r.retired_by as string | null) ?? null,
    retiredAt: iso(r.retired_at),
  };
}

/** Every offering, retired ones too when asked, by title. */
export async function listOfferings(pool: Pool, opts: { includeRetired: boolean }): Promise<Offering[]> {
  const { rows } = await pool.query(
    `SELECT ${columns} FROM offerings ${opts.includeRetired ? '' : 'WHERE retired_at IS NULL'} ORDER BY title, name`,
  );
  return rows.map(fromRow);
}

export async function getOffering(pool: Pool, name: string): Promise<Offering | undefined> {
  const { rows } = await pool.query(`SELECT ${columns} FROM offerings WHERE name = $1`, [name]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export class OfferingExistsError extends Error {}

/** Creates an offering; OfferingExistsError when the name is taken (retired ones included). */
export async function createOffering(pool: Pool, o: OfferingCreate, by: string): Promise<Offering> {
  const { rows } = await pool.query(
    `INSERT INTO offerings (name, title, description, resource_type, spec, default_lease_days, max_lease_days, groups, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (name) DO NOTHING RETURNING ${columns}`,
    [
      o.name,
      o.title,
      o.description,
      o.resourceType,
      o.spec,
      o.defaultLeaseDays,
      o.maxLeaseDays,
      o.groups,
      by,
    ],
  );
  if (!rows[0]) throw new OfferingExistsError(`an offering named ${o.name} already exists`);
  return fromRow(rows[0]);
}

/** Replaces an offering's definition (a retired one stays retired); undefined when there is none. */
export async function changeOffering(
  pool: Pool,
  name: string,
  o: OfferingChange,
  by: string,
): Promise<Offering | undefined> {
  const { rows } = await pool.query(
    `UPDATE offerings SET title = $2, description = $3, resource_type = $4, spec = $5, default_lease_days = $6,
            max_lease_days = $7, groups = $8, updated_by = $9, updated_at = now()
      WHERE name = $1 RETURNING ${columns}`,
    [name, o.title, o.description, o.resourceType, o.spec, o.defaultLeaseDays, o.maxLeaseDays, o.groups, by],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Retires an offering (idempotent: the first retirement is kept); undefined when there is none. */
export async function retireOffering(pool: Pool, name: string, by: string): Promise<Offering | undefined> {
  const { rows } = await pool.query(
    `UPDATE offerings SET retired_by = coalesce(retired_by, $2), retired_at = coalesce(retired_at, now())
      WHERE name = $1 RETURNING ${columns}`,
    [name, by],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Whether `actor` may order `offering`: admins always, others when it names no group or one of theirs. */
export function mayOrder(actor: Actor, offering: Offering): boolean {
  return (
    actor.role === 'admin' ||
    offering.groups.length === 0 ||
    offering.groups.some((g) => actor.groups.includes(g))
  );
}

/** The JSON Schema of what is left to ask of someone ordering `offering`. */
export function orderSchemaOf(offering: Offering): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(offeringOrderSchema, { io: 'input' }) as Record<
    string,
    unknown
  > & { properties: Record<string, Record<string, unknown>> };
  const p = schema.properties;
  p.offering = { const: offering.name };
  p.leaseDays = {
    ...p.leaseDays,
    maximum: offering.maxLeaseDays,
    default: offering.defaultLeaseDays,
    description: `Days until the resource is removed (at most ${offering.maxLeaseDays}).`,
  };
  return schema;
}

/** The resource an order stands for: the offering's preset fields, the order's own, the lease as a date. */
export function expandOrder(offering: Offering, order: OfferingOrder, now: Date): Record<string, unknown> {
  const days = order.leaseDays ?? offering.defaultLeaseDays;
  const { offering: _name, leaseDays: _days, ...own } = order;
  const presetTags = offering.spec.tags as Record<string, string> | undefined;
  return {
    ...offering.spec,
    ...own,
    ...(presetTags || own.tags ? { tags: { ...presetTags, ...own.tags } } : {}),
    type: offering.resourceType,
    leaseEnd: new Date(now.getTime() + days * DAY_MS).toISOString(),
  };
}

/**
 * Replaces each offering order among `body.resources` by the resource it stands for, so the rest
 * of the submission is validated like any other. Problems name the order's own fields: an unknown,
 * retired or not-permitted offering at `.offering`, a lease beyond the offering's at `.leaseDays`.
 */
export async function expandOfferingOrders(
  pool: Pool,
  body: unknown,
  actor: Actor,
  now: Date,
): Promise<{ body: unknown; problems: FieldProblem[] }> {
  const resources = (body as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources) || !resources.some(isOrder)) return { body, problems: [] };
  const problems: FieldProblem[] = [];
  const expanded = await Promise.all(
    resources.map(async (raw: unknown, index) => {
      if (!isOrder(raw)) return raw;
      const at = `body.resources.${index}`;
      const parsed = offeringOrderSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
          for (const key of keys)
            problems.push({
              path: [at, ...issue.path.map(String), ...(key ? [key] : [])].join('.'),
              message: key
                ? `unknown field (an order names the offering, ${orderFields.join(', ')})`
                : issue.message,
            });
        }
        return raw;
      }
      const offering = await getOffering(pool, parsed.data.offering);
      if (!offering || !mayOrder(actor, offering)) {
        problems.push({
          path: `${at}.offering`,
          message: `no offering ${parsed.data.offering} you may order`,
        });
        return raw;
      }
      if (offering.retiredAt) {
        problems.push({
          path: `${at}.offering`,
          message: `the offering ${offering.name} was retired on ${offering.retiredAt}; choose another from the catalog`,
        });
        return raw;
      }
      if ((parsed.data.leaseDays ?? offering.defaultLeaseDays) > offering.maxLeaseDays) {
        problems.push({
          path: `${at}.leaseDays`,
          message: `at most ${offering.maxLeaseDays} days for ${offering.title}`,
        });
        return raw;
      }
      return expandOrder(offering, parsed.data, now);
    }),
  );
  return { body: { ...(body as object), resources: expanded }, problems };
}

function isOrder(raw: unknown): raw is { offering: unknown } {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'offering' in raw;
}
