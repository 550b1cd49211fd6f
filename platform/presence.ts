/**
 * Presence: each API and worker process keeps a row in PostgreSQL's `presence` table fresh every
 * few seconds, with what it says about itself; `GET /v1/system/status` lists the fresh rows.
 * Stopping deletes the row; a killed process's row goes stale and old rows are swept.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';

/** How often a process refreshes its row. */
export const PRESENCE_EVERY_MS = 3_000;
/** A row not refreshed for this long belongs to a process that is gone. */
export const PRESENCE_STALE_MS = 10_000;

/** The project's version, as every process reports it. */
export const appVersion: string = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

export interface PresenceRow {
  processId: string;
  kind: 'api' | 'worker';
  host: string;
  pid: number;
  version: string;
  details: Record<string, unknown>;
  startedAt: string;
  lastSeen: string;
  /** Seen within PRESENCE_STALE_MS. */
  fresh: boolean;
}

/** Keeps this process's row fresh until `stop()`, which deletes it. */
export function startPresence(
  pool: Pool,
  opts: {
    processId: string;
    kind: PresenceRow['kind'];
    details: () => Record<string, unknown>;
    everyMs?: number;
  },
): { stop(): Promise<void> } {
  const beat = () =>
    pool
      .query(
        `INSERT INTO presence (process_id, kind, host, pid, version, details)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (process_id) DO UPDATE SET details = EXCLUDED.details, last_seen = now()`,
        [opts.processId, opts.kind, hostname(), process.pid, appVersion, JSON.stringify(opts.details())],
      )
      // Rows of processes gone for an hour are history, not presence.
      .then(() => pool.query(`DELETE FROM presence WHERE last_seen < now() - interval '1 hour'`))
      .catch(() => undefined);
  let beating = beat();
  const timer = setInterval(() => {
    beating = beating.then(beat);
  }, opts.everyMs ?? PRESENCE_EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await beating;
      await pool.query('DELETE FROM presence WHERE process_id = $1', [opts.processId]).catch(() => undefined);
    },
  };
}

/** Every row of the last hour, each marked fresh or not. */
export async function presenceRows(pool: Pool): Promise<PresenceRow[]> {
  const { rows } = await pool.query(
    `SELECT process_id, kind, host, pid, version, details, started_at, last_seen,
            last_seen > now() - make_interval(secs => $1) AS fresh
       FROM presence ORDER BY kind, host, pid`,
    [PRESENCE_STALE_MS / 1000],
  );
  return rows.map((r) => ({
    processId: r.process_id,
    kind: r.kind,
    host: r.host,
    pid: r.pid,
    version: r.version,
    details: r.details,
    startedAt: new Date(r.started_at).toISOString(),
    lastSeen: new Date(r.last_seen).toISOString(),
    fresh: r.fresh,
  }));
}
