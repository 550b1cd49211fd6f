/**
 * Versioned migrations: `platform/db/migrations/NNNN_name.sql`, applied in order, each in its own
 * transaction, recorded in `schema_migrations`. An advisory lock lets several processes start at
 * once safely; a recorded migration whose file changed since is refused rather than skipped.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
/** Arbitrary constant: the key of the advisory lock held while migrating. */
const LOCK_KEY = 7_233_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** The migrations on disk, in version order; a malformed file name or a repeated version throws. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const seen = new Set<number>();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file name ${file} must look like 0001_some_name.sql`);
      const version = Number(match[1]);
      if (seen.has(version)) throw new Error(`migration version ${version} appears twice`);
      seen.add(version);
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { version, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Applies the pending migrations; returns the versions it applied. */
export async function migrate(pool: Pool, migrations = readMigrations()): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    const done: number[] = [];
    for (const m of migrations) {
      const checksum = applied.get(m.version);
      if (checksum !== undefined) {
        if (checksum !== m.checksum)
          throw new Error(`migration ${m.version}_${m.name} was changed after it was applied`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`);
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
