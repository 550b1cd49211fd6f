/** `/v1/admin/placement`: the admin matrix of compute cluster × datastore that placement obeys (admins only). */
import { Router } from 'express';
import { z } from 'zod';
import {
  listPlacementMatrix,
  setPlacementRule,
  UnknownPlacementTargetError,
} from '../../../resource-handlers/store';
import { principalOf, requireRole } from '../../auth/middleware';
import type { ApiDeps } from '../../deps';
import { HttpError, invalidRequest } from '../../errors';

export const placementRuleSchema = z.strictObject({
  cluster: z.string().min(1).max(200),
  datastore: z.string().min(1).max(200),
  allowed: z.boolean(),
  /** A higher weight takes a larger share of new resources among the allowed pairs. */
  weight: z.number().int().min(0).max(1000).default(1),
});

export function placementRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/', async (_req, res) => {
    res.json({ matrix: await listPlacementMatrix(deps.pool) });
  });

  router.put('/', async (req, res) => {
    const parsed = placementRuleSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    try {
      const entry = await setPlacementRule(deps.pool, parsed.data, principalOf(req).subject);
      deps.log.info({ ...parsed.data, by: principalOf(req).subject }, 'placement rule set');
      res.json(entry);
    } catch (err) {
      if (err instanceof UnknownPlacementTargetError) {
        throw new HttpError(400, 'InvalidInput', err.message, [
          { path: `body.${err.field}`, message: err.message },
        ]);
      }
      throw err;
    }
  });
  return router;
}
