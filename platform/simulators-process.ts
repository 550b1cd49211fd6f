/**
 * The simulators as a process of their own (simulators/main.ts), as the launcher, the benchmark
 * and the chaos run start them: resolves once they print their ready line, with their endpoints
 * and the workers' end-system environment, whose credentials go through a 0600 secrets file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { projectRoot } from './dev-config';
import { startProcess, type ManagedProcess } from './processes';
import { simulatedEndSystems, type SimulatorEndpoints } from './simulated-end-systems';

export interface SimulatorsProcess {
  process: ManagedProcess;
  endpoints: SimulatorEndpoints;
  /** The simulators' admin API: faults, counters, the world. */
  adminUrl: string;
  /** For the workers: the end systems' URLs, and END_SYSTEMS_SECRETS_FILE. */
  env: Record<string, string>;
  /** The credentials written to that file. */
  secrets: Record<string, string>;
}

/** The JSON line simulators/main.ts prints once every simulator listens. */
interface ReadyLine extends Omit<SimulatorEndpoints, 'credentials'> {
  event: 'simulators-ready';
  adminUrl: string;
  credentialsFile: string;
}

export async function startSimulatorsProcess(opts: {
  /** SIM_DATA_DIR: the world and the credentials on disk. */
  dataDir: string;
  /** Where the workers' credentials are written (mode 0600). */
  secretsFile: string;
  /** More SIM_* settings (systems, seed, durations, ports, credentials file). */
  env?: Record<string, string>;
  /** Their other output lines. */
  onLine: (line: string) => void;
}): Promise<SimulatorsProcess> {
  let resolveReady: (line: ReadyLine) => void = () => undefined;
  const ready = new Promise<ReadyLine>((resolve) => (resolveReady = resolve));
  const child = startProcess('simulators', process.execPath, ['--import', 'tsx', 'simulators/main.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      ...opts.env,
      SIM_DATA_DIR: opts.dataDir,
      STACK_PARENT_PID: String(process.pid),
    },
    onLine: (line) =>
      line.includes('"event":"simulators-ready"')
        ? resolveReady(JSON.parse(line) as ReadyLine)
        : opts.onLine(line),
  });
  try {
    const started = await Promise.race([
      ready,
      child.exited.then((code) => {
        throw new Error(`the simulators exited during start-up (${code}); see their output above`);
      }),
    ]);
    const credentials = JSON.parse(
      readFileSync(started.credentialsFile, 'utf8'),
    ) as SimulatorEndpoints['credentials'];
    const endpoints: SimulatorEndpoints = { urls: started.urls, smtp: started.smtp, credentials };
    const { env, secrets } = simulatedEndSystems(endpoints);
    writeFileSync(opts.secretsFile, `${JSON.stringify(secrets)}\n`, { mode: 0o600 });
    return {
      process: child,
      endpoints,
      adminUrl: started.adminUrl,
      env: { ...env, END_SYSTEMS_SECRETS_FILE: opts.secretsFile },
      secrets,
    };
  } catch (err) {
    await child.stop(5_000);
    throw err;
  }
}
