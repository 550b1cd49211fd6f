/** The Postgres connection pool of a process. */
import { Pool } from 'pg';

/** A pool on `url`; `max` stays small because every process of the stack has its own. */
export function createPool(url: string, max = 10): Pool {
  const pool = new Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** True when the database answers a trivial query within the pool's limits. */
export async function pingDatabase(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}
