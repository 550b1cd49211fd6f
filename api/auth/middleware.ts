/**
 * Bearer-token authentication and role checks. Every route but the health probes needs a valid
 * token; a missing, unknown, expired or revoked one is a 401 that does not say which.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { HttpError } from '../errors';
import { cookieOf, csrfMatches, findSession, SESSION_COOKIE } from '../portal/session';
import { authenticate, type Principal, type Role } from './tokens';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Methods that change nothing: a portal session needs no CSRF token for them. */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Sets `req.principal` from `Authorization: Bearer <token>`, or from the portal's session cookie
 * (api/portal/session.ts) when no Authorization header is sent, or answers 401. A session's call
 * that changes something must carry its CSRF token in `X-CSRF-Token` (403 otherwise).
 */
export function requireToken(pool: Pool): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const sessionId = req.get('authorization') === undefined ? cookieOf(req, SESSION_COOKIE) : undefined;
    if (sessionId !== undefined) {
      const session = await findSession(pool, sessionId);
      if (!session) throw new HttpError(401, 'Unauthorized', 'the portal session has ended; sign in again');
      if (!safeMethods.has(req.method) && !csrfMatches(session, req.get('x-csrf-token')))
        throw new HttpError(403, 'Forbidden', 'a missing or wrong CSRF token: reload the page and try again');
      req.principal = session.principal;
      return next();
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    const principal = match ? await authenticate(pool, match[1]!) : undefined;
    if (!principal) {
      res.set('WWW-Authenticate', 'Bearer realm="orchestrator"');
      throw new HttpError(
        401,
        'Unauthorized',
        match ? 'the token is unknown, expired or revoked' : 'a bearer token is required',
      );
    }
    req.principal = principal;
    next();
  };
}

/** Lets the request through only for the given roles (admin always passes). */
export function requireRole(...allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    const role = req.principal?.role;
    if (!role || (role !== 'admin' && !allowed.includes(role))) {
      throw new HttpError(403, 'Forbidden', `this needs the role ${[...allowed, 'admin'].join(' or ')}`);
    }
    next();
  };
}

/**
 * Keeps a `machine` token to the hooks: on any other path under /v1 it is a 403, before a body is
 * read, whatever the route itself would allow. Every route written later is covered too.
 */
export function confineMachines(hooksPrefix: string): RequestHandler {
  return (req, _res, next) => {
    if (req.principal?.role === 'machine' && !req.path.startsWith(hooksPrefix))
      throw new HttpError(403, 'Forbidden', 'a machine token calls the hooks only');
    next();
  };
}

/** Lets the request through only for exactly this role (admins too are refused). */
export function requireOnlyRole(role: Role): RequestHandler {
  return (req, _res, next) => {
    if (req.principal?.role !== role) throw new HttpError(403, 'Forbidden', `this needs a ${role} token`);
    next();
  };
}

/** The authenticated principal of a request that went through requireToken. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw new HttpError(401, 'Unauthorized', 'a bearer token is required');
  return req.principal;
}
