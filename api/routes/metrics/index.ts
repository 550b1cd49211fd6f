/**
 * `GET /metrics`: the API process's Prometheus metrics, and the middleware timing every answer by
 * method, route pattern and status. Unauthenticated like `/readyz`: nothing in them is secret or
 * personal, and scrapers carry no API token; keep the port off the internet as the README says.
 */
import { Router, type RequestHandler } from 'express';
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

export function metricsRoutes(): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await metricsText());
  });
  return router;
}
