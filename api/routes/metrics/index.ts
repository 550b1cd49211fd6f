/**
 * `GET /metrics`: the API process's Prometheus metrics, and the middleware timing every answer by
 * method, route pattern and status. Unauthenticated like `/readyz`: nothing in them is secret or
 * personal, and scrapers carry no API token; keep the port off the internet as the README says.
 */
import type { Client } from '@temporalio/client';
import { Router, type RequestHandler } from 'express';
import type { Pool } from 'pg';
import { ApprovalGroups } from '../../../common/search-attributes';
import { httpRequestDuration, metricsText, registry, secondsSince } from '../../../platform/metrics';

/** Times each answer; the route is the matched pattern (`/v1/requests/:id`), never the raw path. */
export function routeMetrics(): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
      httpRequestDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        secondsSince(started),
      );
    });
    next();
  };
}

/** The most waiting workflows one count reads; far beyond any real queue of approvals. */
const MAX_WAITING_READ = 10_000;

/**
 * The template workflows waiting at an approval step, by group that may decide: one visibility
 * list of the running workflows that carry ApprovalGroups (the interpreter sets it while a step
 * waits). Every group an approver's live token holds is reported, at 0 when nothing waits for it,
 * so a panel shows the quiet groups too.
 */
export async function approvalsWaitingByGroup(client: Client, pool?: Pool): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (pool) {
    const { rows } = await pool.query<{ group: string }>(
      `SELECT DISTINCT unnest(groups) AS group FROM api_tokens
        WHERE role = 'approver' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    );
    for (const { group } of rows) counts.set(group, 0);
  }
  let read = 0;
  for await (const wf of client.workflow.list({
    query: `ExecutionStatus = 'Running' AND ApprovalGroups IS NOT NULL`,
  })) {
    for (const group of wf.typedSearchAttributes.get(ApprovalGroups) ?? [])
      counts.set(group, (counts.get(group) ?? 0) + 1);
    if (++read >= MAX_WAITING_READ) break;
  }
  return counts;
}

export function metricsRoutes(): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await metricsText());
  });
  return router;
}
