/**
 * The launcher behind `npm start`: the whole system on embedded defaults, in dependency order —
 * Temporal (dev server on its SQLite file, or TEMPORAL_ADDRESS), PostgreSQL (embedded, or
 * DATABASE_URL) with migrations, the workers and the API — then waits until /readyz says ready
 * and prints where things are. Ctrl-C or SIGTERM stops everything it started, in reverse order.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadDevConfig, projectRoot } from '../platform/dev-config';
import { startDatabase, type StackDatabase } from '../platform/database';
import { isListening, waitFor } from '../platform/net';
import { createPool } from '../platform/db/pool';
import { backgroundNiceness, startProcess, type ManagedProcess } from '../platform/processes';
import { simulatedEndSystems, type SimulatorEndpoints } from '../platform/simulated-end-systems';
import { labCatalog, seedCatalog } from '../resource-handlers/store';
import { removePidFile, stopStaleFromPidFile, writePidFile } from '../platform/stale';
import { ensureTemporalCli } from '../platform/temporal/cli';
import { ensureSearchAttributes, startDevServer, type DevServer } from '../platform/temporal/dev-server';

const dataDir = path.resolve(projectRoot, process.env.DATA_DIR ?? '.data');
const log = (m: string) => process.stderr.write(`[stack] ${m}\n`);
// A closed terminal or pipe must not stop the launcher before it has stopped its children.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

interface Running {
  temporal?: DevServer;
  database?: StackDatabase;
  children: ManagedProcess[];
}

const running: Running = { children: [] };
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  log('stopping');
  for (const child of [...running.children].reverse()) await child.stop(20_000);
  if (running.temporal) {
    await running.temporal.stop();
    removePidFile(path.join(dataDir, 'run', 'temporal.pid'));
  }
  if (running.database) await running.database.stop();
  log('stopped');
  process.exit(code);
}

async function startTemporal(): Promise<{ address: string; uiUrl: string }> {
  const cfg = loadDevConfig();
  if (process.env.TEMPORAL_ADDRESS) {
    await ensureSearchAttributes(
      process.env.TEMPORAL_ADDRESS,
      process.env.TEMPORAL_NAMESPACE ?? cfg.namespace,
      cfg.searchAttributes,
    );
    return {
      address: process.env.TEMPORAL_ADDRESS,
      uiUrl: process.env.TEMPORAL_UI_URL ?? '(the cluster’s own Web UI)',
    };
  }
  const pidFile = path.join(dataDir, 'run', 'temporal.pid');
  await stopStaleFromPidFile(pidFile, 'start-dev', 'SIGTERM', log);
  const { ip, grpcPort, uiPort, metricsPort, dbFilename } = cfg.server;
  for (const port of [grpcPort, uiPort]) {
    if (await isListening(port, ip)) {
      throw new Error(
        `port ${port} on ${ip} is taken (another Temporal?); stop it, or set TEMPORAL_ADDRESS to use that server`,
      );
    }
  }
  const cli = ensureTemporalCli(log);
  const server = await startDevServer({
    cli,
    config: cfg,
    grpcPort,
    uiPort,
    metricsPort,
    dbFile: path.resolve(projectRoot, dbFilename),
    niceness: backgroundNiceness(),
  });
  running.temporal = server;
  writePidFile(pidFile, server.process.child.pid);
  return { address: server.address, uiUrl: server.uiUrl! };
}

/** The end systems the environment configures; the rest are simulated. */
const endSystemVariables = {
  vcenter: 'VCENTER_URL',
  awx: 'AWX_URL',
  tfe: 'TFE_URL',
  aci: 'ACI_URL',
} as const;

/**
 * Starts simulators/main.ts for every end system the environment does not configure (and the
 * SMTP sink when SMTP_HOST is unset), and returns the environment that points the workers at
 * them; credentials go through a 0600 secrets file, not the environment.
 */
async function startSimulators(): Promise<Record<string, string>> {
  const systems = Object.entries(endSystemVariables)
    .filter(([, variable]) => !process.env[variable])
    .map(([system]) => system);
  if (systems.length === 0 && process.env.SMTP_HOST) return {};
  const simDir = path.join(dataDir, 'simulators');
  const credentialsFile = path.join(simDir, 'credentials.json');
  let resolveReady: (line: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (resolveReady = resolve));
  const child = startProcess('simulators', process.execPath, ['--import', 'tsx', 'simulators/main.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      SIM_DATA_DIR: simDir,
      SIM_SYSTEMS: systems.join(','),
      // The world on disk outlives a restart; so must the credentials its clients were given.
      ...(existsSync(credentialsFile) ? { SIM_CREDENTIALS_FILE: credentialsFile } : {}),
      STACK_PARENT_PID: String(process.pid),
    },
    onLine: (line) =>
      line.includes('"event":"simulators-ready"')
        ? resolveReady(line)
        : process.stderr.write(`[simulators] ${line}\n`),
  });
  running.children.push(child);
  const line = await Promise.race([
    ready,
    child.exited.then((code) => {
      throw new Error(`the simulators exited during start-up (${code}); see their output above`);
    }),
  ]);
  watchChild('simulators', child);
  const started = JSON.parse(line) as Omit<SimulatorEndpoints, 'credentials'> & { credentialsFile: string };
  const credentials = JSON.parse(
    readFileSync(started.credentialsFile, 'utf8'),
  ) as SimulatorEndpoints['credentials'];
  const { env, secrets } = simulatedEndSystems({ urls: started.urls, smtp: started.smtp, credentials });
  const secretsFile = path.join(dataDir, 'run', 'end-systems-secrets.json');
  writeFileSync(secretsFile, `${JSON.stringify(secrets)}\n`, { mode: 0o600 });
  log(
    `simulating ${[...systems, ...(process.env.SMTP_HOST ? [] : ['smtp'])].join(', ')} (admin API ${(started as { adminUrl?: string }).adminUrl ?? '?'})`,
  );
  if (process.env.SMTP_HOST) for (const k of ['SMTP_HOST', 'SMTP_PORT', 'SMTP_FROM']) delete env[k];
  return { ...env, END_SYSTEMS_SECRETS_FILE: secretsFile };
}

/** A child that exits while the stack runs takes the stack down with it. */
function watchChild(name: string, child: ManagedProcess): void {
  void child.exited.then((code) => {
    if (!stopping) {
      log(`${name} exited unexpectedly (${code}); stopping the stack`);
      void stopAll(1);
    }
  });
}

function startNodeChild(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  niceness?: number,
): ManagedProcess {
  const child = startProcess(name, process.execPath, ['--import', 'tsx', script], {
    cwd: projectRoot,
    env: { ...process.env, ...env, STACK_PARENT_PID: String(process.pid) },
    niceness,
  });
  running.children.push(child);
  watchChild(name, child);
  return child;
}

async function main(): Promise<void> {
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const temporal = await startTemporal();
  log(`Temporal at ${temporal.address}`);

  running.database = await startDatabase({
    url: process.env.DATABASE_URL,
    dataDir: path.join(dataDir, 'postgres'),
    database: 'orchestrator',
    log,
    separateProcess: true,
  });
  // For `npm run token` and other operator scripts; the URL carries the local password.
  mkdirSync(path.join(dataDir, 'run'), { recursive: true });
  writeFileSync(path.join(dataDir, 'run', 'database-url'), `${running.database.url}\n`, { mode: 0o600 });
  const applied = running.database.appliedMigrations;
  log(
    `PostgreSQL (${running.database.kind}) ready${applied.length ? `, applied migrations ${applied.join(', ')}` : ''}`,
  );

  const simulated = await startSimulators();
  if (simulated.VCENTER_URL) {
    // The simulated vCenter's lab: networks, images, clusters and the placement matrix to match.
    const pool = createPool(running.database.url, 1);
    await seedCatalog(pool, labCatalog()).finally(() => pool.end());
  }

  const apiPort = Number(process.env.API_PORT ?? 8080);
  const apiHost = process.env.API_HOST ?? '127.0.0.1';
  if (await isListening(apiPort, apiHost))
    throw new Error(`port ${apiPort} is taken; set API_PORT to another port`);
  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_UI_URL: temporal.uiUrl.startsWith('http') ? temporal.uiUrl : (process.env.TEMPORAL_UI_URL ?? ''),
    DATABASE_URL: running.database.url,
    API_PORT: String(apiPort),
    API_HOST: apiHost,
    ...simulated,
  };
  if (!env.TEMPORAL_UI_URL) delete (env as Partial<typeof env>).TEMPORAL_UI_URL;
  startNodeChild('worker', 'workers/main.ts', env, backgroundNiceness());
  startNodeChild('api', 'api/server.ts', env);

  const apiUrl = `http://${apiHost}:${apiPort}`;
  await waitFor(
    `${apiUrl}/readyz to say ready`,
    async () => (await fetch(`${apiUrl}/readyz`)).status === 200,
    180_000,
    500,
  );
  process.stderr.write(
    [
      '',
      'The stack is ready.',
      `  API:              ${apiUrl}  (health: ${apiUrl}/readyz)`,
      `  Temporal Web UI:  ${temporal.uiUrl}`,
      `  Temporal gRPC:    ${temporal.address}`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err: Error) => {
  log(`failed: ${err.message}`);
  void stopAll(1);
});
