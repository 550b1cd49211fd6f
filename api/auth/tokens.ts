/**
 * API tokens: issued once (the caller sees the secret only then), stored as a SHA-256 hash,
 * looked up by that hash. Tokens carry 256 random bits, so a plain hash is enough: there is
 * nothing to brute-force that a slow hash would protect.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { ulid } from 'ulid';
import { z } from 'zod';
import { roles, type Actor, type Role } from '../../common/authority';

export { roles, type Role };

/** Who is calling, as the routes see it. */
export interface Principal extends Actor {
  tokenId: string;
  /** The groups an approval step may name (`ops`, `network`, …) and whose resources the caller acts on. */
  groups: string[];
}

const TOKEN_PREFIX = 'oot_';

/** A token's subject: the person or system that uses it, and the owner of what it creates. */
export const subjectName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._@+-]+$/, 'letters, digits and . _ @ + - only');

/** A group: approval steps and resources name it, tokens carry it. */
export const groupName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'a group name: lower-case letters, digits, _ and -');

export const issueTokenSchema = z.strictObject({
  subject: subjectName,
  role: z.enum(roles),
  description: z.string().max(500).default(''),
  groups: z.array(groupName).max(50).default([]),
  /** Lifetime in days; absent for a token that does not expire. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type IssueToken = z.input<typeof issueTokenSchema>;

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Issues a token; the returned `token` is the only copy of the secret. */
export async function issueToken(
  pool: Pool,
  request: IssueToken,
  createdBy: string,
): Promise<{
  tokenId: string;
  token: string;
  subject: string;
  role: Role;
  groups: string[];
  expiresAt: string | null;
}> {
  const { subject, role, description, groups, expiresInDays } = issueTokenSchema.parse(request);
  const tokenId = `tok_${ulid()}`;
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const { rows } = await pool.query<{ expires_at: Date | null }>(
    `INSERT INTO api_tokens (token_id, subject, role, description, token_hash, created_by, expires_at, groups)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(days => $7::int) END, $8)
     RETURNING expires_at`,
    [tokenId, subject, role, description, hashToken(token), createdBy, expiresInDays ?? null, groups],
  );
  return { tokenId, token, subject, role, groups, expiresAt: rows[0]?.expires_at?.toISOString() ?? null };
}

/** How stale `last_used_at` may get: a busy token is not a write on every call. */
const LAST_USED_RESOLUTION = "interval '1 minute'";

/** The principal of a presented token, or undefined if it is unknown, expired or revoked. */
export async function authenticate(pool: Pool, token: string): Promise<Principal | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const hash = hashToken(token);
  const { rows } = await pool.query<{
    token_id: string;
    subject: string;
    role: Role;
    groups: string[];
    stale: boolean;
  }>(
    `SELECT token_id, subject, role, groups,
            (last_used_at IS NULL OR last_used_at < now() - ${LAST_USED_RESOLUTION}) AS stale
       FROM api_tokens
      WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [hash],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.stale) {
    // Bookkeeping only: a failure here must not refuse a valid caller.
    await pool
      .query('UPDATE api_tokens SET last_used_at = now() WHERE token_id = $1', [row.token_id])
      .catch(() => undefined);
  }
  return { tokenId: row.token_id, subject: row.subject, role: row.role, groups: row.groups };
}

/** Revokes a token; false when there is no such token. */
export async function revokeToken(pool: Pool, tokenId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    'UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = $1',
    [tokenId],
  );
  return rowCount === 1;
}

export interface TokenInfo {
  tokenId: string;
  subject: string;
  role: Role;
  groups: string[];
  description: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** Every token's metadata (never a hash), newest first. */
export async function listTokens(pool: Pool): Promise<TokenInfo[]> {
  const { rows } = await pool.query(
    `SELECT token_id, subject, role, groups, description, created_by, created_at, expires_at, revoked_at, last_used_at
       FROM api_tokens ORDER BY created_at DESC`,
  );
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return rows.map((r) => ({
    tokenId: r.token_id,
    subject: r.subject,
    role: r.role,
    groups: r.groups,
    description: r.description,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
  }));
}
