/** The Express application: JSON only, size-limited bodies, one error envelope. */
import express, { type Express } from 'express';
import type { ApiDeps } from './deps';
import { errorHandler, HttpError } from './errors';
import { healthRoutes } from './routes/health';

/** Largest request body accepted; a request of many resources stays far below it. */
export const BODY_LIMIT = '256kb';

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));
  app.use(healthRoutes(deps));
  app.use((req, _res, next) =>
    next(new HttpError(404, 'NotFound', `no route for ${req.method} ${req.path}`)),
  );
  app.use(errorHandler(deps.log));
  return app;
}
