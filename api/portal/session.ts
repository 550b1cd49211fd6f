/**
 * Portal sessions: signing in with an API token, or through OpenID Connect (oidc.ts), gives the
 * browser a random session ID in an HttpOnly, SameSite=Strict cookie (never readable by scripts,
 * never sent by another site), and a CSRF token every form and every state-changing call must
 * carry. Only the ID's SHA-256 is stored, beside the token it signed in with (revoking or expiring
 * that token ends the session too) or, for an OpenID Connect sign-in, the identity it mapped to.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import type { Actor } from '../../common/authority';
import { authenticate, hashToken, type Principal } from '../auth/tokens';

/** The session cookie's name. */
export const SESSION_COOKIE = 'oo_session';
/** How long a sign-in lasts. */
export const SESSION_HOURS = 8;

export interface Session {
  principal: Principal;
  csrfToken: string;
  expiresAt: Date;
}

/** What a principal signed in through OpenID Connect carries as its token ID (it has no token). */
export const OIDC_TOKEN_ID = 'oidc';

/** Signs in with an API token: a new session, or undefined when the token is unknown, expired or revoked. */
export async function startSession(
  pool: Pool,
  token: string,
): Promise<{ sessionId: string; session: Session } | undefined> {
  const principal = await authenticate(pool, token);
  return principal ? openSession(pool, principal, principal.tokenId) : undefined;
}

/** Signs in someone an OpenID Connect issuer vouched for, as the role and groups their claims map to. */
export function startOidcSession(pool: Pool, actor: Actor): Promise<{ sessionId: string; session: Session }> {
  return openSession(pool, { ...actor, groups: [...actor.groups], tokenId: OIDC_TOKEN_ID }, undefined);
}

/** A new session of `principal`: behind its API token `tokenId`, or (none) holding the identity itself. */
async function openSession(
  pool: Pool,
  principal: Principal,
  tokenId: string | undefined,
): Promise<{ sessionId: string; session: Session }> {
  const sessionId = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const own = tokenId === undefined;
  const { rows } = await pool.query<{ expires_at: Date }>(
    `INSERT INTO portal_sessions (session_hash, token_id, subject, role, groups, csrf_token, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(hours => $7)) RETURNING expires_at`,
    [
      hashToken(sessionId),
      tokenId ?? null,
      own ? principal.subject : null,
      own ? principal.role : null,
      own ? principal.groups : null,
      csrfToken,
      SESSION_HOURS,
    ],
  );
  // Expired sessions go as new ones come, so the table holds only live ones and a few stale.
  await pool.query('DELETE FROM portal_sessions WHERE expires_at < now()').catch(() => undefined);
  return { sessionId, session: { principal, csrfToken, expiresAt: rows[0]!.expires_at } };
}

/** The live session of a session ID: not expired, its token (if it has one) neither revoked nor expired. */
export async function findSession(pool: Pool, sessionId: string): Promise<Session | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return undefined;
  const { rows } = await pool.query(
    `SELECT s.csrf_token, s.expires_at, coalesce(t.token_id, $2) AS token_id,
            coalesce(t.subject, s.subject) AS subject, coalesce(t.role, s.role) AS role,
            coalesce(t.groups, s.groups) AS groups
       FROM portal_sessions s LEFT JOIN api_tokens t USING (token_id)
      WHERE s.session_hash = $1 AND s.expires_at > now()
        AND (s.token_id IS NULL
             OR (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())))`,
    [hashToken(sessionId), OIDC_TOKEN_ID],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    principal: { tokenId: r.token_id, subject: r.subject, role: r.role, groups: r.groups },
    csrfToken: r.csrf_token,
    expiresAt: r.expires_at,
  };
}

export async function endSession(pool: Pool, sessionId: string): Promise<void> {
  await pool.query('DELETE FROM portal_sessions WHERE session_hash = $1', [hashToken(sessionId)]);
}

/** A cookie of the request, by name (no cookie library: one header, one split). */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

/** Sets (or, with `undefined`, clears) the session cookie; Secure when the portal is served over HTTPS. */
export function setSessionCookie(res: Response, sessionId: string | undefined, secure: boolean): void {
  const options = { httpOnly: true, sameSite: 'strict' as const, secure, path: '/' };
  if (sessionId === undefined) res.clearCookie(SESSION_COOKIE, options);
  else res.cookie(SESSION_COOKIE, sessionId, { ...options, maxAge: SESSION_HOURS * 3_600_000 });
}

/** Whether a presented CSRF token is the session's, compared in constant time. */
export function csrfMatches(session: Session, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
