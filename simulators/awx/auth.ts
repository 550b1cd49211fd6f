/**
 * AWX authentication as DRF does it: `Authorization: Bearer <token>` (the configured token or a
 * personal access token issued by `POST /api/v2/tokens/`) or HTTP Basic with the user and
 * password. Anything else is 401 `{"detail": ...}`. Issued tokens are stored hashed in the world.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { parseBasicAuth, parseBearer, safeEqual, type SimulatorContext } from '../common';

/** Issued personal access tokens (sha256 of the token -> metadata). */
export interface AwxTokenSection {
  next_id: number;
  tokens: Record<
    string,
    { id: number; description: string; scope: 'read' | 'write'; created: string; expires: string }
  >;
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** The token section of the world. */
export function tokenSection(ctx: SimulatorContext): AwxTokenSection {
  return ctx.world.section<AwxTokenSection>('awx-tokens', () => ({ next_id: 1, tokens: {} }));
}

/** Issues a personal access token and returns it (the only time it is shown). */
export function issueToken(ctx: SimulatorContext, description: string, scope: 'read' | 'write') {
  const token = crypto.randomBytes(22).toString('base64url');
  const section = tokenSection(ctx);
  const created = new Date(ctx.world.now());
  const record = ctx.world.change(() => {
    const entry = {
      id: section.next_id++,
      description,
      scope,
      created: created.toISOString(),
      expires: new Date(created.getTime() + 1000 * 365 * 24 * 3600 * 1000).toISOString(),
    };
    section.tokens[sha256(token)] = entry;
    return entry;
  });
  return { ...record, token };
}

/** Express middleware: 401 unless the request carries valid AWX credentials. */
export function requireAuth(ctx: SimulatorContext) {
  const { awx } = ctx.credentials;
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const bearer = parseBearer(header);
    if (bearer && (safeEqual(bearer, awx.token) || tokenSection(ctx).tokens[sha256(bearer)])) return next();
    const basic = parseBasicAuth(header);
    if (basic) {
      if (safeEqual(basic.username, awx.username) && safeEqual(basic.password, awx.password)) return next();
      res
        .status(401)
        .set('WWW-Authenticate', 'Basic realm="api"')
        .json({ detail: 'Invalid username/password.' });
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="api"')
      .json({ detail: 'Authentication credentials were not provided.' });
  };
}
