/** `/v1/admin/tokens`: issue, list and revoke API tokens (admins only). */
import { Router } from 'express';
import type { ApiDeps } from '../../deps';
import { principalOf, requireRole } from '../../auth/middleware';
import { issueToken, issueTokenSchema, listTokens, revokeToken } from '../../auth/tokens';
import { HttpError, invalidRequest } from '../../errors';
import { idParameter } from '../requests/schema';

export function tokenRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireRole('admin'));
  // A token ID of another shape names nothing: 404 before it reaches the ledger.
  router.param('tokenId', (_req, _res, next, value: string) => {
    next(idParameter.test(value) ? undefined : new HttpError(404, 'NotFound', 'no such token'));
  });

  router.post('/', async (req, res) => {
    const parsed = issueTokenSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest('body', parsed.error);
    const issued = await issueToken(deps.pool, parsed.data, principalOf(req).subject);
    deps.log.info(
      { tokenId: issued.tokenId, subject: issued.subject, role: issued.role, by: principalOf(req).subject },
      'token issued',
    );
    res.status(201).json(issued);
  });

  router.get('/', async (_req, res) => {
    res.json({ tokens: await listTokens(deps.pool) });
  });

  router.delete('/:tokenId', async (req, res) => {
    if (!(await revokeToken(deps.pool, req.params.tokenId))) {
      throw new HttpError(404, 'NotFound', `no token ${req.params.tokenId}`);
    }
    deps.log.info({ tokenId: req.params.tokenId, by: principalOf(req).subject }, 'token revoked');
    res.status(204).end();
  });
  return router;
}
