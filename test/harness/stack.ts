/**
 * The integration-test stack, shared by every suite of one mocha run and started on first use:
 * a real Temporal dev server on free ports with its own temporary SQLite file and the project's
 * search attributes, a real PostgreSQL (a fresh database on DATABASE_URL's server, or the embedded
 * one on a free port) with the migrations applied, the workflow bundle built once, and the real
 * workers of every task queue. Stopped by the root hook in hooks.ts.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { connectTemporalClient, connectTemporalWorker, temporalAt } from '../../platform/temporal/connection';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  DefaultLogger,
  Worker,
  type LogEntry,
  type WorkflowBundle,
} from '@temporalio/worker';
import type { Pool } from 'pg';
import { startScratchDatabase } from '../../platform/database';
import { makeScratchDir } from '../../platform/db/embedded';
import { createPool } from '../../platform/db/pool';
import { loadDevConfig } from '../../platform/dev-config';
import { createLogger } from '../../platform/logger';
import { freePort } from '../../platform/net';
import { RequestLogCollector } from '../../platform/request-log';
import { ensureTemporalCli } from '../../platform/temporal/cli';
import { startDevServer, type DevServer } from '../../platform/temporal/dev-server';
import { pathToFileURL } from 'node:url';
import { taskCatalog } from '../../activities/registry';
import { loadRfmConfig } from '../../activities/rfm';
import { loadEndSystemsConfig } from '../../platform/end-systems';
import { simulatedEndSystems } from '../../platform/simulated-end-systems';
import { labCatalog, seedCatalog } from '../../resource-handlers/store';
import { seedOfferings } from '../../api/routes/offerings/seed';
import { startSimulators, type RunningSimulators } from '../../simulators';
import { loadTemplateLibrary, templatesDir, type TemplateLibrary } from '../../templates/library';
import { queueActivities } from '../../workers/activities';
import { workflowInterceptorModules } from '../../workers/metrics';
import { forwardSdkLog } from '../../workers/sdk-log';
import { createWorkers, workflowsPath } from '../../workers/workers';

export interface TestStack {
  temporalAddress: string;
  namespace: string;
  client: Client;
  nativeConnection: NativeConnection;
  databaseUrl: string;
  pool: Pool;
  workflowBundle: WorkflowBundle;
  /** The simulated end systems (every transition immediate), with their world and mailbox. */
  sims: RunningSimulators;
  /** The templates/ library the workers run. */
  library: TemplateLibrary;
  /** The end-system environment the workers use (URLs and credentials of the simulators). */
  endSystemsEnv: Record<string, string>;
  /** A temporary folder removed at the end of the run. */
  tmpDir: string;
  /** Where the workers' Runtime serves the Temporal SDK's own metrics (Prometheus text). */
  sdkMetricsUrl: string;
  /** The last lines the Temporal server printed, for failure messages. */
  serverOutput(): string;
  /**
   * This process's request log collector, writing to `pool`: the workers' lines go to it, and an
   * API started by a test gives its logger to it too (createLogger's collector).
   */
  requestLog: RequestLogCollector;
  /**
   * Stops the stack's workers (every task queue) until the returned function starts new ones, as
   * a worker outage would: a test of what happens while no worker runs.
   */
  stopWorkers(): Promise<() => Promise<void>>;
}

const verbose = process.env.TEST_VERBOSE === '1';
let started: Promise<TestStack> | undefined;
const cleanups: (() => Promise<void>)[] = [];

/** The shared stack, started on the first call; a stack that fails half-way stops what it started. */
export function getStack(): Promise<TestStack> {
  started ??= startStack().catch(async (err: unknown) => {
    await runCleanups();
    throw err;
  });
  return started;
}

const sdkLogListeners = new Set<(entry: LogEntry) => void>();

/**
 * Records every entry the stack's workers log through the SDK Runtime logger (worker, workflow and
 * activity logs, every level) until `stop()`: the secrets test searches them for credentials.
 */
export function captureSdkLogs(): { entries: LogEntry[]; stop(): void } {
  const entries: LogEntry[] = [];
  const listener = (entry: LogEntry) => void entries.push(entry);
  sdkLogListeners.add(listener);
  return { entries, stop: () => void sdkLogListeners.delete(listener) };
}

/** Stops whatever getStack started, in reverse order. */
export async function stopStack(): Promise<void> {
  if (!started) return;
  await started.catch(() => undefined);
  await runCleanups();
  started = undefined;
}

async function runCleanups(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch((err) => console.error('cleanup failed:', err));
}

async function startStack(): Promise<TestStack> {
  const tmpDir = makeScratchDir('oo-test-');
  cleanups.push(async () => rmSync(tmpDir, { recursive: true, force: true }));

  // Every level reaches the capture listeners; the console sees errors only, unless verbose.
  const printed = new DefaultLogger(verbose ? 'INFO' : 'ERROR');
  const sdkMetricsPort = await freePort();
  // The workers' lines that name a request go to the request log bundles, as in a worker process.
  const requestLog = new RequestLogCollector();
  const toBundle = forwardSdkLog(createLogger('worker', 'silent', requestLog));
  Runtime.install({
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } },
    logger: new DefaultLogger('TRACE', (entry) => {
      for (const listener of sdkLogListeners) listener(entry);
      toBundle(entry);
      printed.log(entry.level, entry.message, entry.meta);
    }),
  });

  const config = loadDevConfig();
  const output: string[] = [];
  const server: DevServer = await startDevServer({
    cli: ensureTemporalCli(),
    config: {
      ...config,
      server: { ...config.server, sqlitePragmas: { journal_mode: 'WAL', synchronous: 'OFF' } },
    },
    grpcPort: await freePort(),
    uiPort: null,
    metricsPort: await freePort(),
    dbFile: path.join(tmpDir, 'temporal.sqlite'),
    onLine: (line) => {
      output.push(line);
      if (output.length > 200) output.shift();
      if (verbose) process.stderr.write(`[temporal] ${line}\n`);
    },
  });
  cleanups.push(() => server.stop());

  const database = await startScratchDatabase({ dir: tmpDir, prefix: 'oo_test' });
  cleanups.push(() => database.stop());
  const pool = createPool(database.url, 5);
  cleanups.push(() => pool.end());
  requestLog.attach(pool);
  cleanups.push(() => requestLog.close());
  // The catalog of the simulated lab: its networks, images, clusters and placement matrix.
  await seedCatalog(pool, labCatalog());
  await seedOfferings(pool);

  const temporal = temporalAt(server.address, config.namespace);
  const { connection, client } = await connectTemporalClient(temporal);
  cleanups.push(() => connection.close());
  const nativeConnection = await connectTemporalWorker(temporal);
  cleanups.push(() => nativeConnection.close());

  const sims = await startSimulators({
    dataDir: path.join(tmpDir, 'simulators'),
    durations: { '*': 0 },
    seed: 1,
    logLevel: 'silent',
  });
  cleanups.push(() => sims.stop());
  const simulated = simulatedEndSystems(sims);
  const endSystemsEnv = { ...simulated.env, ...simulated.secrets };
  const library = loadTemplateLibrary(templatesDir, taskCatalog);

  const activities = queueActivities({
    pool,
    library,
    endSystems: loadEndSystemsConfig(endSystemsEnv),
    rfm: loadRfmConfig({
      RFM_GIT_BASE_URL: pathToFileURL(path.join(tmpDir, 'git')).href,
      RFM_GIT_WORK_DIR: path.join(tmpDir, 'rfm-work'),
    }),
  });
  cleanups.push(() => activities.close());

  const workflowBundle = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    logger: new DefaultLogger('WARN'),
  });
  let workers: Worker[] = [];
  let running: Promise<void>[] = [];
  const startWorkers = async () => {
    workers = await createWorkers({
      connection: nativeConnection,
      namespace: config.namespace,
      workflowBundle,
      activities: activities.byQueue,
      shutdownGraceTimeMs: 1_000,
    });
    running = workers.map((w) => w.run());
  };
  const shutdownWorkers = async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(running);
  };
  await startWorkers();
  cleanups.push(shutdownWorkers);

  return {
    temporalAddress: server.address,
    namespace: config.namespace,
    client,
    nativeConnection,
    databaseUrl: database.url,
    pool,
    workflowBundle,
    sims,
    library,
    endSystemsEnv,
    tmpDir,
    sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
    serverOutput: () => output.join('\n'),
    requestLog,
    async stopWorkers() {
      await shutdownWorkers();
      return startWorkers;
    },
  };
}

/** Runs `fn` while a real Worker serves `taskQueue` with the shared bundle and the given activities. */
export async function withWorker<T>(
  opts: { taskQueue: string; activities?: Record<string, (...args: never[]) => Promise<unknown>> },
  fn: () => Promise<T>,
): Promise<T> {
  const stack = await getStack();
  const worker = await Worker.create({
    connection: stack.nativeConnection,
    namespace: stack.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: stack.workflowBundle,
    activities: opts.activities ?? {},
    shutdownGraceTime: '1 second',
    shutdownForceTime: '5 seconds',
  });
  return worker.runUntil(fn);
}
