/**
 * Temporal's remote codec protocol (`POST /codec/encode`, `POST /codec/decode`, header
 * `X-Namespace`, body `{"payloads": [{"metadata": {k: base64}, "data": base64}]}`), so the
 * Temporal Web UI and `temporal … --codec-endpoint <api>/codec --codec-auth 'Bearer <token>'` show
 * encrypted payloads in the clear. Only admins and operators may use it: decoding reveals every
 * request's input. Cross-origin calls are allowed from the Web UI's origin only (TEMPORAL_UI_URL).
 * Served only when payload encryption is configured; otherwise 404.
 * https://docs.temporal.io/production-deployment/data-encryption#codec-server
 */
import express, { Router, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { requireRole, requireToken } from '../auth/middleware';
import type { ApiDeps } from '../deps';
import { HttpError, invalidRequest } from '../errors';
import { requireJsonBody } from '../input-guard';

/** Largest codec body: a Web UI page of events, each payload under Temporal's 2 MB blob limit. */
export const CODEC_BODY_LIMIT = '8mb';

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

/** A payload in proto3 JSON: bytes fields as base64. */
const jsonPayload = z.strictObject({
  metadata: z.record(z.string(), base64).optional(),
  data: base64.optional(),
});
export const codecBodySchema = z.strictObject({ payloads: z.array(jsonPayload).max(10_000) });

type JsonPayload = z.infer<typeof jsonPayload>;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** CORS for the Web UI's origin: the browser calls the codec from the UI's pages. */
function webUiCors(uiUrl: string): RequestHandler {
  const origin = new URL(uiUrl).origin;
  return (req, res, next) => {
    if (req.get('origin') === origin) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

export function codecRoutes(
  deps: Pick<ApiDeps, 'pool' | 'namespace' | 'temporalUiUrl'> & { codec?: PayloadCodec },
): Router {
  const router = Router();
  const paths = ['/codec/encode', '/codec/decode'];
  router.options(paths, webUiCors(deps.temporalUiUrl));
  const configured: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    if (!deps.codec)
      throw new HttpError(404, 'NotFound', 'payload encryption is not configured (PAYLOAD_ENCRYPTION_KEYS)');
    next();
  };
  const guards = [
    webUiCors(deps.temporalUiUrl),
    // Authenticated first: an anonymous caller learns nothing, not even whether encryption is on.
    requireToken(deps.pool),
    requireRole('operator'),
    configured,
    requireJsonBody(),
    express.json({ limit: CODEC_BODY_LIMIT, strict: true }),
  ];
  for (const action of ['encode', 'decode'] as const) {
    router.post(`/codec/${action}`, ...guards, async (req, res) => {
      const namespace = req.get('x-namespace');
      if (namespace !== undefined && namespace !== deps.namespace) {
        throw new HttpError(
          400,
          'InvalidInput',
          `headers.x-namespace: this codec serves the namespace ${deps.namespace}, not ${namespace}`,
          [{ path: 'headers.x-namespace', message: `must be ${deps.namespace}` }],
        );
      }
      const parsed = codecBodySchema.safeParse(req.body);
      if (!parsed.success) throw invalidRequest('body', parsed.error);
      let payloads: Payload[];
      try {
        payloads = await deps.codec![action](parsed.data.payloads.map(fromJson));
      } catch (err) {
        throw new HttpError(422, 'UndecodablePayload', (err as Error).message);
      }
      res.json({ payloads: payloads.map(toJson) });
    });
  }
  return router;
}
