/**
 * `GET /v1/system/status` (admins): every worker and API process, Temporal, PostgreSQL and the end
 * systems. The answer is cached for STATUS_CACHE_MS and concurrent callers share one refresh, so a
 * dashboard polling it from many browsers costs Temporal and PostgreSQL one read every few
 * seconds; the end systems are asked by the process's background prober alone.
 */
import { Router } from 'express';
import { requireRole } from '../../auth/middleware';
import type { ApiDeps } from '../../deps';
import { systemStatus, type SystemStatus } from './status';

export const STATUS_CACHE_MS = 2_000;

export function systemRoutes(deps: ApiDeps): Router {
  const router = Router();
  let cached: { at: number; answer: Promise<Omit<SystemStatus, 'endSystems'>> } | undefined;
  router.get('/system/status', requireRole('admin'), async (_req, res) => {
    if (!cached || Date.now() - cached.at > STATUS_CACHE_MS) {
      const answer = systemStatus(deps.temporal, deps.pool, deps.namespace);
      cached = { at: Date.now(), answer };
      answer.catch(() => (cached = undefined));
    }
    res.json({ ...(await cached.answer), endSystems: deps.endSystems.current() });
  });
  return router;
}
