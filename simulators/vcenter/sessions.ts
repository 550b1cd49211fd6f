/**
 * vCenter API sessions: created by `POST /api/session` with Basic auth, sent back as the
 * `vmware-api-session-id` header, ended by logout or by an idle timeout (the
 * `vcenter.session-idle` duration). Kept in memory, like a real vCenter's: a restart of the
 * service ends them and clients log in again on 401.
 */
import crypto from 'node:crypto';
import type { World } from '../world';

/** One live session. */
export interface VcenterSession {
  user: string;
  created: number;
  lastAccessed: number;
}

/** The session table. */
export class SessionTable {
  private readonly sessions = new Map<string, VcenterSession>();

  constructor(private readonly world: World) {
    world.on('reset', () => this.sessions.clear());
  }

  /** Starts a session for `user` and returns its id (32 hex characters, as vCenter's). */
  create(user: string): string {
    const id = crypto.randomBytes(16).toString('hex');
    const now = this.world.now();
    this.sessions.set(id, { user, created: now, lastAccessed: now });
    return id;
  }

  /** The live session for `id`, touched; undefined (and forgotten) when unknown or idle too long. */
  use(id: string | undefined): VcenterSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.world.now();
    if (now - session.lastAccessed > this.world.duration('vcenter.session-idle')) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastAccessed = now;
    return session;
  }

  /** Ends a session. */
  delete(id: string): void {
    this.sessions.delete(id);
  }
}
