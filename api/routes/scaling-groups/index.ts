/**
 * `/v1/admin/scaling-groups`: admins define the groups a monitoring system may grow (the offering,
 * the step, the maximum, the cooldown, the names and owner of the VMs). A definition is checked
 * against what exists before it is stored, so a firing never finds a group it cannot act on.
 */
import { Router } from 'express';
import type { Pool } from 'pg';
import { principalOf, requireRole } from '../../auth/middleware';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest, type FieldProblem } from '../../errors';
import { getOffering, mayOrder } from '../offerings/store';
import { resourceName } from '../requests/schema';
import {
  MAX_NUMBER,
  memberName,
  scalingGroupChangeSchema,
  scalingGroupCreateSchema,
  scalingGroupName,
  type ScalingGroupChange,
} from './schema';
import {
  changeScalingGroup,
  createScalingGroup,
  defaultNaming,
  deleteScalingGroup,
  getScalingGroup,
  groupMembers,
  listScalingGroups,
  ScalingGroupExistsError,
  type ScalingGroup,
} from './store';

/** The problems of a definition no schema states: its offering, who may order it, its sizes, its names. */
async function definitionProblems(pool: Pool, name: string, g: ScalingGroupChange): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  if (g.maxSize < g.step)
    problems.push({ path: 'body.maxSize', message: `must be at least the step (${g.step})` });
  const longest = memberName(g.naming ?? defaultNaming(name), MAX_NUMBER);
  if (!resourceName.safeParse(longest).success)
    problems.push({
      path: 'body.naming',
      message: `the names it gives must be DNS labels up to 63 characters (${longest} is not)`,
    });
  const offering = await getOffering(pool, g.offering);
  const owner = { subject: g.owner, role: 'requester' as const, groups: g.group ? [g.group] : [] };
  if (!offering) problems.push({ path: 'body.offering', message: `no offering ${g.offering}` });
  else if (offering.retiredAt)
    problems.push({ path: 'body.offering', message: `the offering ${g.offering} is retired` });
  else if (!mayOrder(owner, offering))
    problems.push({
      path: 'body.group',
      message: `the offering ${g.offering} is ordered by members of ${offering.groups.join(', ')} only`,
    });
  return problems;
}

/** A group as the API shows it: its definition and, when asked, its live size. */
async function shown(pool: Pool, g: ScalingGroup) {
  const offering = await getOffering(pool, g.offering);
  const { size } = await groupMembers(pool, offering?.resourceType ?? 'virtual_machine', g.naming);
  return { ...g, size };
}

export function scalingGroupRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireRole('admin'));
  router.param('name', (_req, _res, next, value: string) => {
    next(
      scalingGroupName.safeParse(value).success
        ? undefined
        : new HttpError(404, 'NotFound', 'no such scaling group'),
    );
  });
  const refused = (problems: FieldProblem[]) =>
    new HttpError(
      422,
      'Unprocessable',
      `the scaling group cannot be used: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );

  router.get('/', async (_req, res) => {
    const groups = await listScalingGroups(deps.pool);
    res.json({ scalingGroups: await Promise.all(groups.map((g) => shown(deps.pool, g))) });
  });

  router.get('/:name', async (req, res) => {
    const group = await getScalingGroup(deps.pool, String(req.params.name));
    if (!group) throw new HttpError(404, 'NotFound', `no scaling group ${req.params.name}`);
    res.json(await shown(deps.pool, group));
  });

  router.post('/', async (req, res) => {
    const parsed = scalingGroupCreateSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    const problems = await definitionProblems(deps.pool, parsed.data.name, parsed.data);
    if (problems.length) throw refused(problems);
    const by = principalOf(req).subject;
    try {
      const group = await createScalingGroup(deps.pool, parsed.data, by);
      deps.log.info({ scalingGroup: group.name, by }, 'scaling group created');
      res.status(201).json(await shown(deps.pool, group));
    } catch (err) {
      if (err instanceof ScalingGroupExistsError)
        throw new HttpError(409, 'Conflict', err.message, [{ path: 'body.name', message: err.message }]);
      throw err;
    }
  });

  router.put('/:name', async (req, res) => {
    const name = String(req.params.name);
    const parsed = scalingGroupChangeSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    if (!(await getScalingGroup(deps.pool, name)))
      throw new HttpError(404, 'NotFound', `no scaling group ${name}`);
    const problems = await definitionProblems(deps.pool, name, parsed.data);
    if (problems.length) throw refused(problems);
    const by = principalOf(req).subject;
    const group = await changeScalingGroup(deps.pool, name, parsed.data, by);
    if (!group) throw new HttpError(404, 'NotFound', `no scaling group ${name}`);
    deps.log.info({ scalingGroup: name, by }, 'scaling group changed');
    res.json(await shown(deps.pool, group));
  });

  // The VMs a group built stay (they are their owner's); alerts naming it are refused from now on.
  router.delete('/:name', async (req, res) => {
    const name = String(req.params.name);
    if (!(await deleteScalingGroup(deps.pool, name)))
      throw new HttpError(404, 'NotFound', `no scaling group ${name}`);
    deps.log.info({ scalingGroup: name, by: principalOf(req).subject }, 'scaling group deleted');
    res.status(204).end();
  });
  return router;
}
