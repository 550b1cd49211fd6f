/**
 * AWX authentication as AWX's Django REST Framework stack does it: `Authorization: Bearer <token>`
 * (the configured token or a personal access token issued by `POST /api/v2/tokens/` or
 * `/api/v2/users/{user}/personal_tokens/`), HTTP Basic with the user and password, or the session
 * cookie that `/api/login/` sets (what the `awx` CLI uses). Session-authenticated unsafe requests
 * need the CSRF token (`X-CSRFToken` equal to the `csrftoken` cookie), as Django demands. Bad
 * credentials are 401 `{"detail": ...}` even where anonymous access is allowed; a read-scoped token
 * may only read. Tokens and sessions are stored hashed in the world, so a restart keeps them.
 */
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { parseBasicAuth, parseBearer, safeEqual, type SimulatorContext } from '../common';

/** The cookie names AWX uses. */
export const SESSION_COOKIE = 'awx_sessionid';
export const CSRF_COOKIE = 'csrftoken';
/** AWX's SESSION_COOKIE_AGE: a session lapses after this long without a request. */
const SESSION_IDLE_MS = 1800 * 1000;

/** The one user of the simulated AWX (the configured account). */
export const USER_ID = 1;

interface TokenRecord {
  id: number;
  description: string;
  scope: 'read' | 'write';
  created: string;
  expires: string;
}

/** Issued personal access tokens and open sessions (sha256 of the secret -> record). */
export interface AwxTokenSection {
  next_id: number;
  tokens: Record<string, TokenRecord>;
  sessions?: Record<string, { expires_at: number }>;
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
const secret = (bytes: number) => crypto.randomBytes(bytes).toString('base64url');

/** An AWX authentication or permission failure, answered as `{"detail": message}`. */
export class AwxAuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
    readonly challenge?: string,
  ) {
    super(message);
  }
}

/** How a request authenticated: the scheme decides whether CSRF applies and what a token may do. */
export interface Principal {
  userId: number;
  via: 'token' | 'basic' | 'session';
  scope: 'read' | 'write';
}

/** The token section of the world. */
export function tokenSection(ctx: SimulatorContext): AwxTokenSection {
  return ctx.world.section<AwxTokenSection>('awx-tokens', () => ({ next_id: 1, tokens: {} }));
}

/** Issues a personal access token and returns it (the only time it is shown). */
export function issueToken(ctx: SimulatorContext, description: string, scope: 'read' | 'write') {
  const token = secret(22);
  const section = tokenSection(ctx);
  const created = new Date(ctx.world.now());
  const record = ctx.world.change(() => {
    const entry: TokenRecord = {
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

/** Every issued token, oldest first. */
export function listTokens(ctx: SimulatorContext): TokenRecord[] {
  return Object.values(tokenSection(ctx).tokens).sort((a, b) => a.id - b.id);
}

/** Revokes the token with `id`; false when there is none. */
export function revokeToken(ctx: SimulatorContext, id: number): boolean {
  const section = tokenSection(ctx);
  const hash = Object.keys(section.tokens).find((h) => section.tokens[h]!.id === id);
  if (!hash) return false;
  ctx.world.change(() => delete section.tokens[hash]);
  return true;
}

/** True when `username` and `password` are the simulated AWX's account. */
export function validLogin(ctx: SimulatorContext, username: string, password: string): boolean {
  const { awx } = ctx.credentials;
  return safeEqual(username, awx.username) && safeEqual(password, awx.password);
}

/** Opens a session and returns its id (the value of the session cookie). */
export function openSession(ctx: SimulatorContext): string {
  const id = secret(24);
  const section = tokenSection(ctx);
  ctx.world.change(() => {
    section.sessions ??= {};
    section.sessions[sha256(id)] = { expires_at: ctx.world.now() + SESSION_IDLE_MS };
  });
  return id;
}

/** Ends the session the request carries, if any. */
export function closeSession(ctx: SimulatorContext, req: Request): void {
  const id = cookie(req, SESSION_COOKIE);
  const sessions = tokenSection(ctx).sessions;
  if (id && sessions?.[sha256(id)]) ctx.world.change(() => delete sessions[sha256(id)]);
}

/** A cookie of the request (the simulator parses the header itself; there is no cookie middleware). */
export function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Sets a fresh CSRF cookie (Django's `ensure_csrf_cookie`) unless the request has one; returns it. */
export function ensureCsrfCookie(req: Request, res: Response, rotate = false): string {
  const current = cookie(req, CSRF_COOKIE);
  if (current && !rotate) return current;
  const token = secret(24);
  res.cookie(CSRF_COOKIE, token, { path: '/', sameSite: 'lax', maxAge: 31_449_600_000, encode: String });
  return token;
}

/** True when the request carries the CSRF token of its cookie, as Django's CsrfViewMiddleware checks. */
export function csrfValid(req: Request): boolean {
  const expected = cookie(req, CSRF_COOKIE);
  const given =
    req.get('x-csrftoken') ?? (req.body as Record<string, unknown> | undefined)?.csrfmiddlewaretoken;
  return Boolean(expected) && typeof given === 'string' && safeEqual(given, expected!);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who the request is: a principal, undefined when it carries no credentials, or AwxAuthError
 * when the credentials it carries are wrong (401) or it may not do this (403).
 */
export function authenticate(ctx: SimulatorContext, req: Request): Principal | undefined {
  const { awx } = ctx.credentials;
  const header = req.headers.authorization;
  const bearer = parseBearer(header);
  if (bearer) {
    const issued = tokenSection(ctx).tokens[sha256(bearer)];
    const principal: Principal | undefined = safeEqual(bearer, awx.token)
      ? { userId: USER_ID, via: 'token', scope: 'write' }
      : issued && Date.parse(issued.expires) > ctx.world.now()
        ? { userId: USER_ID, via: 'token', scope: issued.scope }
        : undefined;
    if (!principal)
      throw new AwxAuthError(401, 'Authentication credentials were not provided.', 'Bearer realm="api"');
    if (principal.scope === 'read' && !SAFE_METHODS.has(req.method))
      throw new AwxAuthError(403, 'You do not have permission to perform this action.');
    return principal;
  }
  const basic = parseBasicAuth(header);
  if (basic) {
    if (!validLogin(ctx, basic.username, basic.password))
      throw new AwxAuthError(401, 'Invalid username/password.', 'Basic realm="api"');
    return { userId: USER_ID, via: 'basic', scope: 'write' };
  }
  const sessionId = cookie(req, SESSION_COOKIE);
  const sessions = tokenSection(ctx).sessions;
  const session = sessionId ? sessions?.[sha256(sessionId)] : undefined;
  if (sessionId && session && session.expires_at > ctx.world.now()) {
    if (!SAFE_METHODS.has(req.method) && !csrfValid(req)) {
      throw new AwxAuthError(
        403,
        cookie(req, CSRF_COOKIE)
          ? 'CSRF Failed: CSRF token missing or incorrect.'
          : 'CSRF Failed: CSRF cookie not set.',
      );
    }
    ctx.world.change(() => (session.expires_at = ctx.world.now() + SESSION_IDLE_MS));
    return { userId: USER_ID, via: 'session', scope: 'write' };
  }
  // An unknown or lapsed session is as good as none: DRF falls back to the anonymous user.
  return undefined;
}

/** Like `authenticate`, but anonymous requests are refused with 401, as IsAuthenticated views do. */
export function requirePrincipal(ctx: SimulatorContext, req: Request): Principal {
  const principal = authenticate(ctx, req);
  if (!principal)
    throw new AwxAuthError(401, 'Authentication credentials were not provided.', 'Bearer realm="api"');
  return principal;
}
