/**
 * `/v1/resources`: the inventory of what the system built, is building or removed. A requester
 * sees their own and their groups' resources (common/authority.ts `mayActOn`), admins all; to
 * anyone else a resource does not exist (the 404 of a name never built). An admin gives one to
 * another owner or group (`PUT /v1/resources/{type}/{name}/owner`), recorded with who and when.
 */
import { Router, type Request } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { absentResource, mayActOn } from '../../../common/authority';
import { leaseChangeableStates, resourceStates } from '../../../common/lifecycle';
import { changeLeaseUpdate } from '../../../workflows/definitions';
import {
  changeOwnership,
  findResource,
  listResources,
  loadCatalogSnapshot,
  requestsActingOn,
  type ResourceRecord,
} from '../../../resource-handlers/store';
import { principalOf, requireRole } from '../../auth/middleware';
import { groupName, subjectName } from '../../auth/tokens';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest } from '../../errors';
import { readSettings } from '../admin/settings';
import { idempotencyKeyOf, resourceName, resourceType } from '../requests/schema';
import { requestLeaseApproval } from './lease-approval';

/** The body of `PUT …/owner`: the whole ownership, so a group left out is no group. */
export const ownershipSchema = z.strictObject({
  owner: subjectName.meta({ description: 'The subject (token subject) who owns the resource from now on' }),
  group: groupName
    .nullable()
    .default(null)
    .meta({ description: 'A group whose members act on it as its owner; null or absent for none' }),
});

/** `POST …/lease`: the new lease end. */
export const leaseChangeSchema = z.strictObject({
  leaseEnd: z.iso.datetime({ offset: true }).meta({
    description:
      'When the lease ends from now on (ISO 8601, in the future, within the maximum an admin sets); earlier than now-set shortens it, later extends it',
  }),
});

/** A list position as `next` gives it: `<microseconds since the epoch>.<type>.<name>`. */
export const inventoryCursor = /^([0-9]{1,16})\.([a-z][a-z0-9_]{0,62})\.([a-z0-9-]{1,63})$/;

/** `GET /v1/resources`. */
export const inventoryQuerySchema = z.strictObject({
  type: resourceType.optional(),
  owner: z.string().max(200).optional().meta({ description: 'Only the resources this subject owns' }),
  state: z
    .enum(resourceStates)
    .optional()
    .meta({ description: 'Only resources in this state; absent: every state but `removed`' }),
  leaseEndBefore: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'Only resources whose lease ends before this instant (ISO 8601)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(inventoryCursor, 'the `next` value of a previous page').optional(),
});

/** The earliest and latest instants PostgreSQL's timestamptz takes from an ISO 8601 string. */
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59Z');

/**
 * An ISO 8601 instant as PostgreSQL reads it: in UTC (it refuses offsets beyond ±15:59, which the
 * format allows), within the years it can compare; one outside them is as good as the nearest.
 */
function storableInstant(text: string): string {
  return new Date(Math.min(Math.max(Date.parse(text), FIRST_INSTANT), LAST_INSTANT)).toISOString();
}

/** A resource as the inventory shows it. */
function inventoryView(r: ResourceRecord) {
  return {
    type: r.type,
    name: r.name,
    state: r.state,
    stateChangedAt: r.stateChangedAt,
    owner: r.owner,
    group: r.group,
    managed: r.managed,
    leaseEnd: r.leaseEnd,
    size: r.size,
    placement: r.placement,
    externalIds: r.externalIds,
    commit: r.commit,
    traceId: r.traceId,
    createdByRequest: r.createdByRequest,
    createdAt: r.createdAt,
    workflowId: r.workflowId,
  };
}

/** A resource's ownership as the API shows it. */
function ownershipView(r: ResourceRecord) {
  return {
    type: r.type,
    name: r.name,
    state: r.state,
    owner: r.owner,
    group: r.group,
    createdByRequest: r.createdByRequest,
    ownerChangedBy: r.ownerChangedBy,
    ownerChangedAt: r.ownerChangedAt,
  };
}

export function resourceRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const parsed = inventoryQuerySchema.safeParse(req.query);
    if (!parsed.success) throw invalidRequest('query', parsed.error);
    const { cursor, leaseEndBefore, ...q } = parsed.data;
    const position = cursor ? inventoryCursor.exec(cursor) : null;
    const principal = principalOf(req);
    const page = await listResources(
      deps.pool,
      { subject: principal.subject, groups: principal.groups, all: principal.role === 'admin' },
      {
        ...q,
        ...(leaseEndBefore ? { leaseEndBefore: storableInstant(leaseEndBefore) } : {}),
        ...(position
          ? { after: { createdMicros: position[1]!, type: position[2]!, name: position[3]! } }
          : {}),
      },
    );
    res.json({
      resources: page.rows.map((r) => ({ ...inventoryView(r), links: links(r) })),
      next: page.next ? `${page.next.createdMicros}.${page.next.type}.${page.next.name}` : null,
    });
  });

  router.get('/:type/:name', async (req, res) => {
    const found = await visibleResource(req);
    res.json({
      ...inventoryView(found),
      requests: (await requestsActingOn(deps.pool, found)).map((r) => ({
        ...r,
        href: `${deps.publicUrl}/v1/requests/${r.requestId}`,
      })),
      links: links(found),
    });
  });

  router.post('/:type/:name/lease', async (req, res) => {
    const found = await visibleResource(req);
    if (found.state === 'removed') throw notFound(found.type, found.name);
    const parsed = leaseChangeSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    // Only a change waiting for approval records anything; a direct change is idempotent as it is.
    const idempotencyKey = idempotencyKeyOf(req);
    const leaseEnd = new Date(parsed.data.leaseEnd);
    // The same maximum a create obeys: the catalog's lease limit for the type.
    const maxLeaseDays = (await loadCatalogSnapshot(deps.pool)).limits[found.type]?.leaseDays?.max;
    const unprocessable = (message: string) =>
      new HttpError(422, 'Unprocessable', `invalid body: body.leaseEnd: ${message}`, [
        { path: 'body.leaseEnd', message },
      ]);
    if (leaseEnd.getTime() <= Date.now()) throw unprocessable('must be in the future');
    // Beyond the maximum: refused, unless an admin named a group whose approval it may wait for.
    const beyondMax =
      maxLeaseDays !== undefined && leaseEnd.getTime() > Date.now() + maxLeaseDays * 24 * 3600 * 1000;
    const settings = beyondMax ? await readSettings(deps.pool) : undefined;
    if (beyondMax && !settings?.leaseApprovalGroup)
      throw unprocessable(`must be within ${maxLeaseDays} days, the catalog's maximum lease`);
    const busy = (why: string) =>
      new HttpError(409, 'Conflict', `not now: params.name: ${why}`, [{ path: 'params.name', message: why }]);
    if (!leaseChangeableStates.includes(found.state))
      throw busy(`the ${found.type} ${found.name} is ${found.state}: its lease cannot change now`);
    if (!found.workflowId) throw busy(`no resource workflow keeps the lease of ${found.type} ${found.name}`);
    const by = principalOf(req).subject;
    if (settings?.leaseApprovalGroup) {
      const started = await requestLeaseApproval(
        deps,
        found,
        principalOf(req),
        leaseEnd.toISOString(),
        { ...settings, leaseApprovalGroup: settings.leaseApprovalGroup },
        idempotencyKey,
      );
      deps.log.info(
        { type: found.type, name: found.name, leaseEnd, by, requestId: started.requestId },
        'resource lease change waits for approval',
      );
      res.status(202).location(started.links.request).json(started);
      return;
    }
    try {
      await deps.temporal.workflow
        .getHandle(found.workflowId)
        .executeUpdate(changeLeaseUpdate, { args: [{ leaseEnd: leaseEnd.toISOString(), by }] });
    } catch (err) {
      // The workflow's own check: its removal started meanwhile, or it is gone.
      if (err instanceof WorkflowUpdateFailedError) throw busy(err.cause?.message ?? err.message);
      if (err instanceof WorkflowNotFoundError)
        throw busy(`no resource workflow keeps the lease of ${found.type} ${found.name}`);
      throw err;
    }
    deps.log.info({ type: found.type, name: found.name, leaseEnd, by }, 'resource lease changed');
    const changed = (await findResource(deps.pool, found.type, found.name)) ?? found;
    res.json({ ...inventoryView(changed), links: links(changed) });
  });

  /** The resource the path names, removed ones included, if the caller may see it; 404 otherwise. */
  async function visibleResource(req: Request): Promise<ResourceRecord> {
    const type = String(req.params.type);
    const name = String(req.params.name);
    // A path that cannot name a resource names none: 404 before it reaches the database.
    if (!resourceType.safeParse(type).success || !resourceName.safeParse(name).success)
      throw notFound(type, name);
    const found = await findResource(deps.pool, type, name);
    if (!found || !mayActOn(principalOf(req), found)) throw notFound(type, name);
    return found;
  }

  const links = (r: ResourceRecord) => ({
    self: `${deps.publicUrl}/v1/resources/${r.type}/${r.name}`,
    trace: `${deps.publicUrl}/v1/traces/${r.traceId}`,
    ...(r.workflowId
      ? {
          temporalUi: `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(r.workflowId)}`,
        }
      : {}),
  });

  router.put('/:type/:name/owner', requireRole('admin'), async (req, res) => {
    const type = String(req.params.type);
    const name = String(req.params.name);
    // A path that cannot name a resource names none: 404 before it reaches the database.
    if (!resourceType.safeParse(type).success || !resourceName.safeParse(name).success)
      throw notFound(type, name);
    const parsed = ownershipSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    const by = principalOf(req).subject;
    const changed = await changeOwnership(deps.pool, { type, name, ...parsed.data, changedBy: by });
    if (!changed) throw notFound(type, name);
    deps.log.info({ type, name, owner: changed.owner, group: changed.group, by }, 'resource owner changed');
    res.json(ownershipView(changed));
  });

  return router;
}

function notFound(type: string, name: string): HttpError {
  const message = absentResource(type, name);
  return new HttpError(404, 'NotFound', message, [{ path: 'params.name', message }]);
}
