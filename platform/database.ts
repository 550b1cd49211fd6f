/**
 * The stack's database: DATABASE_URL when given, else the embedded PostgreSQL under `dataDir`;
 * migrated either way before anything uses it.
 */
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { startEmbeddedPostgres } from './db/embedded';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';

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
    const embedded = await startEmbeddedPostgres({
      dataDir: opts.dataDir,
      database: opts.database,
      log: (line) => opts.log(`postgres: ${line}`),
    });
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

/**
 * A database of its own for a test or chaos run: on DATABASE_URL's server, a fresh database that
 * `stop()` drops (so a run never touches data it did not make); otherwise the embedded PostgreSQL
 * in `dir`. Migrated either way.
 */
export async function startScratchDatabase(opts: {
  dir: string;
  /** Prefix of the database's name: `<prefix>_<pid>_<time>`. */
  prefix: string;
}): Promise<StackDatabase> {
  const external = process.env.DATABASE_URL;
  const log = () => undefined;
  if (!external) {
    return startDatabase({
      dataDir: path.join(opts.dir, 'postgres'),
      database: opts.prefix,
      log,
    });
  }
  const name = `${opts.prefix}_${process.pid}_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const client = new PgClient({ connectionString: external });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(external);
  url.pathname = `/${name}`;
  const db = await startDatabase({ url: url.toString(), dataDir: opts.dir, database: name, log });
  return { ...db, stop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
