/**
 * APIC login sessions: `aaaLogin` issues a token that is valid for `refreshTimeoutSeconds` from
 * its issue (the strict reading aci-go-client plans for), `aaaRefresh` swaps it for a new one,
 * and no chain of refreshes outlives `maximumLifetimeSeconds` from the first login. Sessions live
 * in memory, as an APIC restart drops them too; clients log in again on the 403.
 */
import crypto from 'node:crypto';

/** One issued token. */
export interface ApicSession {
  token: string;
  userName: string;
  /** When this token was issued (epoch ms). */
  issuedAt: number;
  /** When the first login of this chain happened (epoch ms). */
  firstLoginAt: number;
  sessionId: string;
}

/** Session timing in ms (the APIC reports it in whole seconds). */
export interface SessionTimeouts {
  refreshTimeoutMs: number;
  maximumLifetimeMs: number;
}

/** Why a token was refused, in the APIC's own words. */
export type TokenCheck = { ok: true; session: ApicSession } | { ok: false; text: string };

const NEED_TOKEN =
  'Need a valid webtoken cookie (named APIC-Cookie) or a signed request with signature in the cookie APIC-Request-Signature for all REST API requests';

/** Token store of one APIC simulator. */
export class SessionStore {
  private readonly sessions = new Map<string, ApicSession>();

  constructor(
    private readonly timeouts: () => SessionTimeouts,
    private readonly now: () => number,
  ) {}

  /** A new session chain for `userName`. */
  login(userName: string): ApicSession {
    const now = this.now();
    return this.issue(userName, now, now, crypto.randomBytes(6).toString('base64url'));
  }

  /** A fresh token continuing `session`'s chain. */
  refresh(session: ApicSession): ApicSession {
    return this.issue(session.userName, this.now(), session.firstLoginAt, session.sessionId);
  }

  /** Forgets `token`. */
  logout(token: string): void {
    this.sessions.delete(token);
  }

  /** Checks a presented token: unknown, timed out and past its maximum lifetime are refused. */
  check(token: string | undefined): TokenCheck {
    if (!token) return { ok: false, text: NEED_TOKEN };
    const session = this.sessions.get(token);
    if (!session) return { ok: false, text: 'Token was invalid (Error: Token timeout)' };
    const { refreshTimeoutMs, maximumLifetimeMs } = this.timeouts();
    const now = this.now();
    if (now >= session.issuedAt + refreshTimeoutMs || now >= session.firstLoginAt + maximumLifetimeMs) {
      this.sessions.delete(token);
      return { ok: false, text: 'Token was invalid (Error: Token timeout)' };
    }
    return { ok: true, session };
  }

  /** Drops every session (after a world reset). */
  clear(): void {
    this.sessions.clear();
  }

  private issue(userName: string, issuedAt: number, firstLoginAt: number, sessionId: string): ApicSession {
    const session: ApicSession = {
      token: crypto.randomBytes(48).toString('base64'),
      userName,
      issuedAt,
      firstLoginAt,
      sessionId,
    };
    this.sessions.set(session.token, session);
    return session;
  }
}
