/**
 * The stack's database: DATABASE_URL when given, else the embedded PostgreSQL under `dataDir`;
 * migrated either way before anything uses it.
 */
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { startEmbeddedPostgres } from './db/embedded';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { waitFor } from './net';

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
  const client = new PgClient({ connectionString: external });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(external);
  url.pathname = `/${name}`;
  const db = await startDatabase({ url: url.toString(), dataDir: opts.dir, database: name, log });
  return { ...db, stop: () => dropDatabase(external, name) };
}

/**
 * Drops database `name` on the server of `adminUrl`. A pg pool's `end()` resolves before its
 * connections have closed, and a connection the server cuts meanwhile raises an error nobody
 * listens for any more; so this waits (up to 10 s) for the database's sessions to leave, and only
 * then forces out whatever still holds on (a connection somebody leaked).
 */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new PgClient({ connectionString: adminUrl });
  await client.connect();
  try {
    await waitFor(
      `the sessions of database ${name} to close`,
      async () =>
        (await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]))
          .rows[0].n === 0,
      10_000,
      50,
    ).catch(() => undefined);
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
