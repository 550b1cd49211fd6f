/**
 * The stack's database: DATABASE_URL when given, else the embedded PostgreSQL under `dataDir`;
 * migrated either way before anything uses it.
 */
import path from 'node:path';
import { startEmbeddedPostgres } from './db/embedded';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { stopStaleFromPidFile } from './stale';

export interface StackDatabase {
  url: string;
  /** 'embedded' or 'external'. */
  kind: 'embedded' | 'external';
  appliedMigrations: number[];
  stop(): Promise<void>;
}

export async function startDatabase(opts: {
  url?: string;
  dataDir: string;
  database: string;
  log: (m: string) => void;
}): Promise<StackDatabase> {
  let url = opts.url;
  let stop = async () => undefined as void;
  if (!url) {
    // A launcher killed with SIGKILL leaves its postgres running on this data dir.
    await stopStaleFromPidFile(path.join(opts.dataDir, 'postmaster.pid'), 'postgres', 'SIGINT', opts.log);
    const embedded = await startEmbeddedPostgres({ dataDir: opts.dataDir, database: opts.database });
    url = embedded.url;
    stop = embedded.stop;
  }
  const pool = createPool(url, 2);
  try {
    const appliedMigrations = await migrate(pool);
    return { url, kind: opts.url ? 'external' : 'embedded', appliedMigrations, stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    await pool.end();
  }
}
