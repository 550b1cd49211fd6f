/**
 * The launcher behind `npm start`: the whole system on embedded defaults, in dependency order —
 * Temporal (dev server on its SQLite file, or TEMPORAL_ADDRESS), PostgreSQL (embedded, or
 * DATABASE_URL) with migrations, the workers and the API (WORKER_PROCESSES and API_PROCESSES of
 * each, default one) — then waits until /readyz says ready and prints where things are. Ctrl-C, SIGINT, SIGTERM or SIGHUP stops everything it started, in
 * reverse order; anything that cannot start stops the launcher with the reason.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadDevConfig, projectRoot } from '../platform/dev-config';
import { startDatabase, type StackDatabase } from '../platform/database';
import { isListening, waitFor } from '../platform/net';
import type { Readiness } from '../api/routes/health/readiness';
import { createPool } from '../platform/db/pool';
import { backgroundNiceness, startProcess, type ManagedProcess } from '../platform/processes';
import { workerProcessShapes } from '../platform/worker-processes';
import { startSimulatorsProcess } from '../platform/simulators-process';
import { labCatalog, seedCatalog } from '../resource-handlers/store';
import { seedOfferings } from '../api/routes/offerings/seed';
import { removePidFile, stopStaleFromPidFile, writePidFile } from '../platform/stale';
import { ensureTemporalCli } from '../platform/temporal/cli';
import { ensureSearchAttributes, startDevServer, type DevServer } from '../platform/temporal/dev-server';
import { loadTemporalConfig } from '../platform/temporal/connection';

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

async function startTemporal(): Promise<{ address: string; namespace: string; uiUrl: string }> {
  const cfg = loadDevConfig();
  // A Temporal named by the environment or a profile file (TEMPORAL_ADDRESS, TEMPORAL_CONFIG_FILE,
  // TEMPORAL_PROFILE …) is used as it is; the children read the same configuration.
  const configured = loadTemporalConfig();
  if (configured.configured) {
    await ensureSearchAttributes(configured, cfg.searchAttributes);
    log(`using Temporal at ${configured.address} (${JSON.stringify(configured.summary)})`);
    return {
      address: configured.address,
      namespace: configured.namespace,
      uiUrl: process.env.TEMPORAL_UI_URL ?? '(the cluster’s own Web UI)',
    };
  }
  const pidFile = path.join(dataDir, 'run', 'temporal.pid');
  await stopStaleFromPidFile(pidFile, 'start-dev', 'SIGTERM', log);
  const { ip, dbFilename } = cfg.server;
  const grpcPort = portFromEnv('TEMPORAL_PORT', cfg.server.grpcPort);
  const uiPort = portFromEnv('TEMPORAL_UI_PORT', cfg.server.uiPort);
  const metricsPort = portFromEnv('TEMPORAL_METRICS_PORT', cfg.server.metricsPort);
  for (const [port, variable] of [
    [grpcPort, 'TEMPORAL_PORT'],
    [uiPort, 'TEMPORAL_UI_PORT'],
  ] as const) {
    if (await isListening(port, ip)) {
      throw new Error(
        `port ${port} on ${ip} is taken (another Temporal?); stop it, set ${variable} to another port, or set TEMPORAL_ADDRESS to use that server`,
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
    dbFile: path.resolve(dataDir, dbFilename),
    niceness: backgroundNiceness(),
  });
  running.temporal = server;
  writePidFile(pidFile, server.process.child.pid);
  return { address: server.address, namespace: cfg.namespace, uiUrl: server.uiUrl! };
}

/** The end systems the environment configures; the rest are simulated. */
const endSystemVariables = {
  vcenter: 'VCENTER_URL',
  awx: 'AWX_URL',
  tfe: 'TFE_URL',
  aci: 'ACI_URL',
} as const;

/**
 * Starts the simulators for every end system the environment does not configure (and the SMTP
 * sink when SMTP_HOST is unset), their admin API on a port that stays the same from one start to
 * the next, and returns the environment that points the workers at them.
 */
async function startSimulators(apiPort: number): Promise<{ env: Record<string, string>; adminUrl?: string }> {
  const systems = Object.entries(endSystemVariables)
    .filter(([, variable]) => !process.env[variable])
    .map(([system]) => system);
  if (systems.length === 0 && process.env.SMTP_HOST) return { env: {} };
  const simDir = path.join(dataDir, 'simulators');
  const credentialsFile = path.join(simDir, 'credentials.json');
  let adminPort = process.env.SIM_PORT_ADMIN;
  if (adminPort === undefined) {
    const preferred = apiPort + 1;
    if (await isListening(preferred))
      log(`port ${preferred} is taken: the simulators' admin API goes on a free port`);
    else adminPort = String(preferred);
  }
  const sims = await startSimulatorsProcess({
    dataDir: simDir,
    secretsFile: path.join(dataDir, 'run', 'end-systems-secrets.json'),
    env: {
      SIM_SYSTEMS: systems.join(','),
      // The world on disk outlives a restart; so must the credentials its clients were given.
      ...(existsSync(credentialsFile) ? { SIM_CREDENTIALS_FILE: credentialsFile } : {}),
      ...(adminPort ? { SIM_PORT_ADMIN: adminPort } : {}),
    },
    onLine: (line) => process.stderr.write(`[simulators] ${line}\n`),
  });
  running.children.push(sims.process);
  watchChild('simulators', sims.process);
  log(`simulating ${[...systems, ...(process.env.SMTP_HOST ? [] : ['smtp'])].join(', ')}`);
  const env = { ...sims.env };
  if (process.env.SMTP_HOST) for (const k of ['SMTP_HOST', 'SMTP_PORT', 'SMTP_FROM']) delete env[k];
  return { env, adminUrl: sims.adminUrl };
}

/** A port from the environment variable `name`, or `fallback`; a bad value refuses to start. */
function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535)
    throw new Error(`${name} must be a port (1-65535), not '${raw}'`);
  return port;
}

/** A count of processes from the environment variable `name` (1 to 64, default 1); a bad value refuses to start. */
function countFromEnv(name: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 64)
    throw new Error(`${name} must be a whole number from 1 to 64, not '${raw}'`);
  return n;
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

/** How long the workers and the API may take to be ready (a busy 2-core machine needs minutes). */
const READY_TIMEOUT_MS = 600_000;

/**
 * Waits for the API's /readyz to say ready, saying every half minute what it still waits for, and
 * fails with that after READY_TIMEOUT_MS.
 */
async function untilReady(apiUrl: string): Promise<void> {
  let waitingFor = 'the API to listen';
  let said = Date.now();
  await waitFor(
    `${apiUrl}/readyz to say ready`,
    async () => {
      if (Date.now() - said > 30_000) {
        log(`waiting for ${waitingFor}`);
        said = Date.now();
      }
      const res = await fetch(`${apiUrl}/readyz`).catch(() => undefined);
      if (!res) return false;
      if (res.status === 200) return true;
      const { checks } = (await res.json().catch(() => ({}))) as Partial<Readiness>;
      const queues = Object.entries(checks?.taskQueues ?? {})
        .filter(([, c]) => !c.ok)
        .map(([queue]) => queue);
      const failing = [
        ...(['temporal', 'postgres'] as const)
          .filter((name) => checks && !checks[name].ok)
          .map((name) => `${name} (${checks![name].detail ?? 'failing'})`),
        ...(queues.length ? [`a worker polling task queue(s) ${queues.join(', ')}`] : []),
      ];
      waitingFor = failing.join(', ') || `a ready answer (HTTP ${res.status})`;
      return false;
    },
    READY_TIMEOUT_MS,
    500,
  ).catch(() => {
    throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s: still waiting for ${waitingFor}`);
  });
}

async function main(): Promise<void> {
  // `on`, not `once`: Ctrl-C in a terminal reaches the launcher twice (from the terminal and
  // forwarded by npm), and a second signal must not kill it half-way through stopping.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));

  const temporal = await startTemporal();
  log(`Temporal at ${temporal.address}`);

  running.database = await startDatabase({
    url: process.env.DATABASE_URL,
    dataDir: path.join(dataDir, 'postgres'),
    database: 'orchestrator',
    log,
  });
  // For `npm run token` and other operator scripts; the URL carries the local password.
  mkdirSync(path.join(dataDir, 'run'), { recursive: true });
  writeFileSync(path.join(dataDir, 'run', 'database-url'), `${running.database.url}\n`, { mode: 0o600 });
  const applied = running.database.appliedMigrations;
  log(
    `PostgreSQL (${running.database.kind}) ready${applied.length ? `, applied migrations ${applied.join(', ')}` : ''}`,
  );

  const apiPort = portFromEnv('API_PORT', 8080);
  const apiHost = process.env.API_HOST ?? '127.0.0.1';
  if (await isListening(apiPort, apiHost))
    throw new Error(`port ${apiPort} is taken; set API_PORT to another port`);

  const simulators = await startSimulators(apiPort);
  const simulated = simulators.env;
  if (simulated.VCENTER_URL) {
    // The simulated vCenter's lab: networks, images, clusters and the placement matrix to match.
    const pool = createPool(running.database.url, 1);
    // …and the standard offerings built on it.
    await seedCatalog(pool, labCatalog())
      .then(() => seedOfferings(pool))
      .finally(() => pool.end());
  }

  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_UI_URL: temporal.uiUrl.startsWith('http') ? temporal.uiUrl : (process.env.TEMPORAL_UI_URL ?? ''),
    DATABASE_URL: running.database.url,
    API_PORT: String(apiPort),
    API_HOST: apiHost,
    // Prometheus scrapes the worker here (the API serves /metrics itself).
    WORKER_METRICS_PORT: String(portFromEnv('WORKER_METRICS_PORT', 9464)),
    // The resource types' git repositories live with the rest of the stack's data.
    RFM_GIT_BASE_URL: process.env.RFM_GIT_BASE_URL ?? pathToFileURL(path.join(dataDir, 'git')).href,
    ...simulated,
  };
  if (!env.TEMPORAL_UI_URL) delete (env as Partial<typeof env>).TEMPORAL_UI_URL;
  // WORKER_PROCESSES workers, each a process for the interactive lane and the end systems' queues
  // and one for the bulk lane (platform/worker-processes.ts), each with its metrics port
  // (WORKER_METRICS_PORT, the next one, …); API_PROCESSES is the API's own (api/cluster.ts).
  const workers = countFromEnv('WORKER_PROCESSES');
  countFromEnv('API_PROCESSES');
  const shapes = Array.from({ length: workers }, (_, i) =>
    workerProcessShapes(workers === 1 ? 'worker' : `worker-${i + 1}`),
  ).flat();
  for (const [k, shape] of shapes.entries()) {
    startNodeChild(
      shape.name,
      'workers/main.ts',
      // 0 asks each for a free port (logged).
      {
        ...env,
        WORKER_TASK_QUEUES: shape.taskQueues.join(','),
        WORKER_METRICS_PORT:
          env.WORKER_METRICS_PORT === '0' ? '0' : String(Number(env.WORKER_METRICS_PORT) + k),
      },
      shape.niceness,
    );
  }
  startNodeChild('api', 'api/server.ts', env);

  const apiUrl = `http://${apiHost}:${apiPort}`;
  await untilReady(apiUrl);
  if (stopping) return;
  process.stderr.write(
    [
      '',
      'The stack is ready.',
      `  API:              ${apiUrl}  (health: ${apiUrl}/readyz)`,
      `  Temporal Web UI:  ${temporal.uiUrl}`,
      `  Temporal gRPC:    ${temporal.address}`,
      ...(simulators.adminUrl
        ? [
            `  Simulators admin: ${simulators.adminUrl}/_sim  (fault injection /_sim/faults, counters /_sim/counters, e-mails /_sim/mail)`,
          ]
        : []),
      `  Data:             ${dataDir}`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err: Error) => {
  log(`failed: ${err.message}`);
  void stopAll(1);
});
