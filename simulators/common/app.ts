/**
 * One Express 5 app per simulator: JSON bodies (plain and `+json` media types such as JSON:API),
 * fault injection in front of the API, the admin router at `/_sim`, and a server helper whose
 * `stop()` also closes keep-alive connections so tests end promptly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request, type Router } from 'express';
import { adminRouter } from './admin';
import { defaultFaultBody, faultMiddleware, type FaultBody } from './faults';
import type { ListenOptions, SimulatorContext, SystemName } from './types';

/** Options for `createSimulatorApp`. */
export interface SimulatorAppOptions {
  system: SystemName;
  ctx: SimulatorContext;
  /** Renders injected faults in the system's error envelope. */
  faultBody?: FaultBody;
  /** Treat `/a` and `/a/` as different paths (AWX/Django needs the trailing slash). */
  strictRouting?: boolean;
  /** Extra admin routes (mounted under `/_sim`). */
  adminExtensions?: Router[];
  /** Body size limit (TFE uploads configuration archives). */
  bodyLimit?: string;
  /** Accept any JSON value as a body, `null` included, as Rails does (terrasnek sends `null` on bodiless calls). */
  jsonScalars?: boolean;
  /** Path prefixes whose bodies are left unparsed whatever their media type (TFE's archivist takes gzip sent as JSON:API). */
  rawBodyPrefixes?: string[];
}

const jsonTypes = ['application/json', 'application/*+json'];

/** An Express app with JSON parsing, fault injection and `/_sim` admin routes already mounted. */
export function createSimulatorApp(options: SimulatorAppOptions): Express {
  const { system, ctx } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.strictRouting) app.set('strict routing', true);
  app.use('/_sim', adminRouter(ctx, options.adminExtensions ?? []));
  app.use(faultMiddleware(system, ctx.world, ctx.stats, options.faultBody ?? defaultFaultBody));
  const raw = options.rawBodyPrefixes ?? [];
  app.use(
    express.json({
      type: (req) =>
        !raw.some((prefix) => (req.url ?? '').startsWith(prefix)) && Boolean((req as Request).is(jsonTypes)),
      limit: options.bodyLimit ?? '5mb',
      strict: !options.jsonScalars,
    }),
  );
  return app;
}

/** A listening HTTP server with its base URL. */
export interface ServedApp {
  url: string;
  port: number;
  server: http.Server;
  stop(): Promise<void>;
}

/** Starts `app` on 127.0.0.1 (or `listen.host`) at `listen.port` (0 = a free port). */
export function serve(app: http.RequestListener, listen: ListenOptions = {}): Promise<ServedApp> {
  const host = listen.host ?? '127.0.0.1';
  const server = http.createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${port}`,
        port,
        server,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
