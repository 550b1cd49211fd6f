/** `GET /healthz` (the process is up) and `GET /readyz` (it can serve: see readiness.ts). */
import { Router } from 'express';
import type { ApiDeps } from '../../deps';
import { readiness } from './readiness';

export function healthRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const result = await readiness(deps.temporal, deps.pool, deps.namespace);
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not ready', ...result });
  });
  return router;
}
