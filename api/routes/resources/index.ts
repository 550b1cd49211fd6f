/**
 * `/v1/resources`: the resources the system built or is building. An admin gives one to another
 * owner or group (`PUT /v1/resources/{type}/{name}/owner`), recorded with who and when.
 */
import { Router } from 'express';
import { z } from 'zod';
import { absentResource } from '../../../common/authority';
import { changeOwnership, type ResourceRecord } from '../../../resource-handlers/store';
import { principalOf, requireRole } from '../../auth/middleware';
import { groupName, subjectName } from '../../auth/tokens';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest } from '../../errors';
import { resourceName, resourceType } from '../requests/schema';

/** The body of `PUT …/owner`: the whole ownership, so a group left out is no group. */
export const ownershipSchema = z.strictObject({
  owner: subjectName.meta({ description: 'The subject (token subject) who owns the resource from now on' }),
  group: groupName
    .nullable()
    .default(null)
    .meta({ description: 'A group whose members act on it as its owner; null or absent for none' }),
});

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
