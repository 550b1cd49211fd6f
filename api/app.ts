/**
 * The Express application: security headers, size-limited JSON bodies, rate limits, bearer-token
 * authentication on everything under /v1, and one error envelope.
 */
import express, { type Express } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { confineMachines, requireToken } from './auth/middleware';
import type { ApiDeps } from './deps';
import { errorHandler, HttpError } from './errors';
import { guardJsonBody, requireJsonBody } from './input-guard';
import { networkPermitRoutes } from './routes/admin/network-permits';
import { placementRoutes } from './routes/admin/placement';
import { settingsRoutes } from './routes/admin/settings';
import { tokenRoutes } from './routes/admin/tokens';
import { approvalRoutes } from './routes/approvals';
import { codecRoutes } from './routes/codec';
import { documentedOptions, methodNotAllowed, openApiDocument } from './openapi';
import { healthRoutes } from './routes/health';
import { metricsRoutes, routeMetrics } from './routes/metrics';
import { requestRoutes } from './routes/requests';
import { resourceRoutes } from './routes/resources';
import { systemRoutes } from './routes/system';
import { catalogRoutes, offeringAdminRoutes } from './routes/offerings';
import { inventoryRoutes } from './routes/inventory';
import { hookRoutes } from './routes/hooks';
import { scalingGroupRoutes } from './routes/scaling-groups';
import { PORTAL_CLIENT_HEADER, PORTAL_KEY_HEADER, portalKey } from './portal/client';
import { portalRoutes } from './portal';
import { countLeasesWith } from '../platform/metrics';
import { countLeasesEnding, loadCatalogSnapshot } from '../resource-handlers/store';

/** Largest request body accepted; a request of many resources stays far below it. */
export const BODY_LIMIT = '256kb';

export interface RateLimits {
  /** Requests per minute per client address on /v1 (authentication attempts included). */
  perMinute: number;
}

export function createApp(deps: ApiDeps, limits: RateLimits = { perMinute: 600 }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(routeMetrics());
  app.use(helmet());
  app.use(healthRoutes(deps));
  countLeasesWith((horizons) => countLeasesEnding(deps.pool, horizons));
  app.use(metricsRoutes());
  app.use(codecRoutes(deps));
  app.get('/openapi.json', async (_req, res) => {
    res.json(openApiDocument(deps.publicUrl, await loadCatalogSnapshot(deps.pool)));
  });

  // The document's paths and methods (what a catalog adds to it changes no path).
  const document = openApiDocument(deps.publicUrl);
  const v1 = express.Router();
  // Answers under /v1 carry requests, tokens and people's names: no cache keeps a copy.
  v1.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  v1.use(
    rateLimit({
      windowMs: 60_000,
      limit: limits.perMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // The portal's calls on a user's behalf count against that user's address (api/portal/client.ts).
      keyGenerator: (req) =>
        ipKeyGenerator(
          (req.get(PORTAL_KEY_HEADER) === portalKey ? req.get(PORTAL_CLIENT_HEADER) : undefined) ??
            req.ip ??
            '',
        ),
      handler: (_req, _res, next) =>
        next(
          new HttpError(
            429,
            'RateLimited',
            'too many requests; retry after the seconds in Retry-After (the reset of the RateLimit header)',
          ),
        ),
    }),
  );
  // Authenticate before reading a body: an anonymous caller gets no parsing work out of us.
  v1.use(requireToken(deps.pool));
  // A machine's token reaches the hooks and nothing else, whatever a route would allow.
  v1.use(confineMachines('/hooks/'));
  v1.use(documentedOptions(document));
  v1.use(requireJsonBody());
  v1.use(express.json({ limit: BODY_LIMIT, strict: true }));
  v1.use(guardJsonBody());
  v1.use('/admin/tokens', tokenRoutes(deps));
  v1.use('/admin/placement', placementRoutes(deps));
  v1.use('/admin/network-permits', networkPermitRoutes(deps));
  v1.use('/admin/settings', settingsRoutes(deps));
  v1.use(requestRoutes(deps));
  v1.use('/resources', resourceRoutes(deps));
  v1.use(approvalRoutes(deps));
  v1.use(systemRoutes(deps));
  v1.use(catalogRoutes(deps));
  v1.use('/admin/offerings', offeringAdminRoutes(deps));
  v1.use('/inventory', inventoryRoutes(deps));
  v1.use('/admin/scaling-groups', scalingGroupRoutes(deps));
  v1.use('/hooks', hookRoutes(deps));
  app.use('/v1', v1);

  app.use(methodNotAllowed(document));
  // The portal's pages (HTML, not in the OpenAPI document): after the API, so /v1 and the
  // documented paths keep their JSON answers, 405s and 404s.
  app.use(portalRoutes(deps));

  app.use((req, _res, next) =>
    next(new HttpError(404, 'NotFound', `no route for ${req.method} ${req.path}`)),
  );
  app.use(errorHandler(deps.log));
  return app;
}
