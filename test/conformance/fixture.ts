/**
 * The conformance fixture: the simulators on free ports in a temporary directory, and the
 * third-party Python clients of the project's venv (scripts/python-requirements.txt, built by
 * scripts/ensure-python-venv.sh) run against them as subprocesses.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulators, type RunningSimulators } from '../../simulators';

const root = path.resolve(__dirname, '../..');

/** The venv directory, built or brought up to date first (fast when it already is). */
export function pythonVenv(): string {
  return execFileSync('bash', [path.join(root, 'scripts/ensure-python-venv.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** What a client run printed, and how it ended. */
export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Simulators plus the environment the client scripts read their endpoints and credentials from. */
export interface ConformanceLab {
  sims: RunningSimulators;
  env: Record<string, string>;
  /** Runs `bin` of the venv (`python`, `awx`) with `args`; never throws on a non-zero exit. */
  run(bin: string, args: string[], extraEnv?: Record<string, string>): Promise<ClientRun>;
  /** Runs a client script of test/conformance/clients/ and fails with its output unless it succeeds. */
  script(name: string, extraEnv?: Record<string, string>): Promise<string[]>;
  dispose(): Promise<void>;
}

/** Starts the simulators with short transitions, so jobs and runs end within a second. */
export async function startConformanceLab(): Promise<ConformanceLab> {
  const venv = pythonVenv();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-'));
  const sims = await startSimulators({ dataDir, durations: { '*': 50 }, seed: 20 });
  const { credentials: c, urls } = sims;
  const env: Record<string, string> = {
    AWX_URL: urls.awx!,
    AWX_USER: c.awx.username,
    AWX_PASSWORD: c.awx.password,
    TFE_URL: urls.tfe!,
    TFE_TOKEN: c.tfe.token,
    ACI_URL: urls.aci!,
    ACI_USER: c.aci.username,
    ACI_PASSWORD: c.aci.password,
    VCENTER_URL: urls.vcenter!,
    VCENTER_USER: c.vcenter.username,
    VCENTER_PASSWORD: c.vcenter.password,
    SIM_ADMIN_URL: sims.adminUrl,
  };
  const run = (bin: string, args: string[], extraEnv: Record<string, string> = {}) =>
    new Promise<ClientRun>((resolve) => {
      execFile(
        path.join(venv, 'bin', bin),
        args,
        {
          cwd: dataDir,
          timeout: 90_000,
          maxBuffer: 16 * 1024 * 1024,
          // HOME keeps awx from reading a developer's ~/.tower_cli.cfg; warnings are the clients' own
          // noise; no bytecode is written into the source tree.
          env: {
            PATH: process.env.PATH ?? '',
            HOME: dataDir,
            PYTHONWARNINGS: 'ignore',
            PYTHONDONTWRITEBYTECODE: '1',
            ...env,
            ...extraEnv,
          },
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  return {
    sims,
    env,
    run,
    script: async (name, extraEnv) => {
      const result = await run('python', [path.join(__dirname, 'clients', name)], extraEnv);
      if (result.code !== 0)
        throw new Error(`${name} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
      return result.stdout.trim().split('\n');
    },
    dispose: async () => {
      await sims.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
