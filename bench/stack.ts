/**
 * The stack the benchmark measures, started the way the launcher starts it but in a temporary
 * folder on free ports: the Temporal dev server (temporal-dev.yaml's settings, so a change there
 * shows in the figures), the embedded PostgreSQL, the simulators with every duration 0 and a lab
 * large enough for a few thousand VMs, and the worker and the API each in a process of its own
 * (so their memory can be read from /proc); `workerProcesses` workers when asked for more than
 * one, each a process for the interactive lane and the end systems' queues and one for the bulk
 * lane, as `WORKER_PROCESSES` makes the launcher start them (platform/worker-processes.ts).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startDatabase, type StackDatabase } from '../platform/database';
import { makeScratchDir } from '../platform/db/embedded';
import { createPool } from '../platform/db/pool';
import { loadDevConfig, projectRoot } from '../platform/dev-config';
import { freePort, waitFor } from '../platform/net';
import { backgroundNiceness, startProcess, type ManagedProcess } from '../platform/processes';
import { startSimulatorsProcess } from '../platform/simulators-process';
import { workerProcessShapes } from '../platform/worker-processes';
import { ensureTemporalCli } from '../platform/temporal/cli';
import { startDevServer, type DevServer } from '../platform/temporal/dev-server';
import { numberToIpv4, parseCidr } from '../resource-handlers/ipv4';
import { labCatalog, seedCatalog } from '../resource-handlers/store';
import { seedWorld } from '../simulators/world/seed';
import { writeJsonAtomic } from '../simulators/world/store';

/** The network the benchmark's VMs go on, widened to a /16 so thousands of requests find an address. */
export const BENCH_NETWORK = 'INTRANET_DEV';
const benchCidr = '10.20.0.0/16';
/** Datastores large enough that no benchmark run fills them. */
const benchDatastoreBytes = 2 ** 50;

export interface BenchStack {
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
  apiUrl: string;
  /**
   * The first worker's `GET /metrics`, its main process's then its bulk lane's (their own and the
   * Temporal SDK's: workflow cache, task latencies).
   */
  workerMetricsUrls: string[];
  /** Environment of the end systems (URLs and credentials of the simulators). */
  endSystemsEnv: Record<string, string>;
  temporal: DevServer;
  /** The first worker's main process (the only one unless `workerProcesses` asked for more). */
  worker: ManagedProcess;
  /** The first worker's bulk lane process. */
  bulkWorker: ManagedProcess;
  /** Every worker's main process. */
  workers: ManagedProcess[];
  /** Starts one more worker (its main and its bulk lane process), resolved once both poll. */
  addWorker(): Promise<ManagedProcess>;
  /** Stops the worker processes `addWorker` started, leaving the first ones. */
  stopAddedWorkers(): Promise<void>;
  api: ManagedProcess;
  tmpDir: string;
  /** Starts another node process on the stack's environment (the bench worker). */
  startNode(name: string, script: string, env?: Record<string, string>, niceness?: number): ManagedProcess;
  stop(): Promise<void>;
}

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

let stopping = false;

/** Output of a child, shown only when it looks like trouble (the figures stay readable). */
function childLine(name: string) {
  return (line: string) => {
    if (!stopping && /"level":(50|60)|error|Error|warn/i.test(line))
      process.stderr.write(`[${name}] ${line}\n`);
  };
}

/**
 * BENCH_DYNAMIC_CONFIG: `KEY=JSON` pairs, comma-separated, over temporal-dev.yaml's dynamic
 * config for this run only, so a server setting's before and after are two runs of one command.
 */
function dynamicConfigOverrides(): Record<string, string | number | boolean> {
  const pairs = (process.env.BENCH_DYNAMIC_CONFIG ?? '').split(',').filter((p) => p.trim());
  return Object.fromEntries(
    pairs.map((pair) => {
      const [key, value] = pair.split(/=(.*)/s, 2).map((s) => s.trim());
      if (!key || value === undefined) throw new Error(`BENCH_DYNAMIC_CONFIG: ${pair} is not KEY=JSON`);
      return [key, JSON.parse(value) as string | number | boolean];
    }),
  );
}

export interface BenchStackOptions {
  /** Workers, each its main process and its bulk lane's (default 1). */
  workerProcesses?: number;
}

export async function startBenchStack(opts: BenchStackOptions = {}): Promise<BenchStack> {
  const tmpDir = makeScratchDir('oo-bench-');
  const children: ManagedProcess[] = [];
  const stops: (() => Promise<void>)[] = [async () => rmSync(tmpDir, { recursive: true, force: true })];
  const stop = async () => {
    stopping = true;
    for (const child of [...children].reverse()) await child.stop(10_000);
    while (stops.length) await stops.pop()!().catch((err: Error) => log(`stop: ${err.message}`));
  };
  try {
    const config = loadDevConfig();
    Object.assign(config.dynamicConfig, dynamicConfigOverrides());
    const temporal = await startDevServer({
      cli: ensureTemporalCli(log),
      config,
      grpcPort: await freePort(),
      uiPort: null,
      metricsPort: await freePort(),
      dbFile: path.join(tmpDir, 'temporal', 'temporal.sqlite'),
      onLine: childLine('temporal'),
      niceness: backgroundNiceness(),
    });
    stops.push(() => temporal.stop());
    log(`Temporal dev server at ${temporal.address}`);

    const database: StackDatabase = await startDatabase({
      dataDir: path.join(tmpDir, 'postgres'),
      database: 'orchestrator',
      log: () => undefined,
    });
    stops.push(() => database.stop());

    const simulated = await startSimulators(tmpDir, children);
    const pool = createPool(database.url, 1);
    await seedCatalog(pool, benchCatalog()).finally(() => pool.end());
    log('PostgreSQL and the simulators ready');

    const apiPort = await freePort();
    const workerMetricsPorts = [await freePort(), await freePort()];
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: config.namespace,
      DATABASE_URL: database.url,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      // The benchmark offers more than the default per-client limit on purpose.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      RFM_GIT_BASE_URL: pathToFileURL(path.join(tmpDir, 'git')).href,
      RFM_GIT_WORK_DIR: path.join(tmpDir, 'rfm-work'),
      ...simulated.env,
    };
    const startNode = (
      name: string,
      script: string,
      extra: Record<string, string> = {},
      niceness?: number,
    ) => {
      // BENCH_CPU_PROF=<folder>[:<process>,…]: our processes (those named, e.g. `api`, or all)
      // write a V8 CPU profile there as they exit, named by pid. The worker has crashed under it
      // ("async hook stack has become corrupted"), so profile the API alone when you can.
      const [profileDir, profiled] = (process.env.BENCH_CPU_PROF ?? '').split(':');
      const profile =
        profileDir && (!profiled || profiled.split(',').includes(name))
          ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`]
          : [];
      const child = startProcess(name, process.execPath, [...profile, '--import', 'tsx', script], {
        cwd: projectRoot,
        env: { ...process.env, ...env, ...extra, STACK_PARENT_PID: String(process.pid) },
        onLine: childLine(name),
        niceness,
      });
      children.push(child);
      return child;
    };
    // As the launcher starts them: the workers below the API's CPU priority. /readyz is ready once
    // one worker polls each queue; a worker polls every queue once its presence row is written
    // (`workers/main.ts`: the `workers polling` line, logged at info, so not at the bench's level).
    const presencePool = createPool(database.url, 1);
    stops.push(() => presencePool.end());
    const workers: ManagedProcess[] = [];
    const bulkWorkers: ManagedProcess[] = [];
    const startWorker = () => {
      const i = workers.length;
      const [child, bulk] = workerProcessShapes(`worker-${i + 1}`).map((shape, j) =>
        startNode(
          shape.name,
          'workers/main.ts',
          {
            WORKER_TASK_QUEUES: shape.taskQueues.join(','),
            // The first on the ports the benchmark reads the SDK's metrics from, the others on free ones.
            WORKER_METRICS_PORT: i === 0 ? String(workerMetricsPorts[j]) : '0',
          },
          shape.niceness,
        ),
      ) as [ManagedProcess, ManagedProcess];
      workers.push(child);
      bulkWorkers.push(bulk);
      const ready = Promise.all([child, bulk].map((process) => polling(process)));
      return { child, ready };
    };
    const polling = (child: ManagedProcess) =>
      Promise.race([
        waitFor(
          `${child.name} to poll`,
          async () =>
            (
              await presencePool.query(`SELECT 1 FROM presence WHERE kind = 'worker' AND pid = $1`, [
                child.child.pid,
              ])
            ).rowCount === 1,
          180_000,
          250,
        ),
        child.exited.then((code) => {
          throw new Error(`${child.name} exited during start-up (${code})`);
        }),
      ]);
    const starting = Array.from({ length: opts.workerProcesses ?? 1 }, startWorker);
    const worker = workers[0]!;
    const api = startNode('api', 'api/server.ts');
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await Promise.race([
      Promise.all([
        waitFor(
          `${apiUrl}/readyz to say ready`,
          async () => (await fetch(`${apiUrl}/readyz`)).status === 200,
          180_000,
          250,
        ),
        ...starting.map((w) => w.ready),
      ]),
      api.exited.then((code) => {
        throw new Error(`the API exited during start-up (${code})`);
      }),
    ]);
    log(`worker (pid ${workers.map((w) => w.child.pid).join(', ')}) and API (pid ${api.child.pid}) ready`);
    return {
      temporalAddress: temporal.address,
      namespace: config.namespace,
      databaseUrl: database.url,
      apiUrl,
      workerMetricsUrls: workerMetricsPorts.map((port) => `http://127.0.0.1:${port}/metrics`),
      endSystemsEnv: {
        ...Object.fromEntries(
          Object.entries(simulated.env).filter(([k]) => k !== 'END_SYSTEMS_SECRETS_FILE'),
        ),
        ...simulated.secrets,
      },
      temporal,
      worker,
      bulkWorker: bulkWorkers[0]!,
      workers,
      async addWorker() {
        const { child, ready } = startWorker();
        await ready;
        log(`worker-${workers.length} (pid ${child.child.pid}) polling`);
        return child;
      },
      async stopAddedWorkers() {
        const first = opts.workerProcesses ?? 1;
        for (const added of [...workers.splice(first), ...bulkWorkers.splice(first)])
          await added.stop(10_000);
      },
      api,
      tmpDir,
      startNode,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The simulators as the launcher runs them (their own process), every duration 0, on a lab world
 * written beforehand with a wide network and huge datastores. Returns the workers' end-system
 * environment (credentials in a 0600 file, as the launcher does) and the credentials for the driver.
 */
async function startSimulators(
  tmpDir: string,
  children: ManagedProcess[],
): Promise<{ env: Record<string, string>; secrets: Record<string, string> }> {
  const simDir = path.join(tmpDir, 'simulators');
  const world = seedWorld();
  const facts = world.lab.networks[BENCH_NETWORK]!;
  facts.cidr = benchCidr;
  for (const ds of Object.values(world.vcenter.datastores)) {
    ds.capacity = benchDatastoreBytes;
    ds.free_space = benchDatastoreBytes;
  }
  writeJsonAtomic(path.join(simDir, 'world.json'), world);

  const sims = await startSimulatorsProcess({
    dataDir: simDir,
    secretsFile: path.join(tmpDir, 'end-systems-secrets.json'),
    env: { SIM_DURATIONS: JSON.stringify({ '*': 0 }), SIM_SEED: '1' },
    onLine: childLine('simulators'),
  });
  children.push(sims.process);
  return { env: sims.env, secrets: sims.secrets };
}

/** The lab's catalog with the benchmark network widened to match the world written above. */
function benchCatalog(): ReturnType<typeof labCatalog> {
  const catalog = labCatalog();
  const network = catalog.networks[BENCH_NETWORK]!;
  const { base, prefixLength } = parseCidr(benchCidr);
  network.cidr = benchCidr;
  network.rangeEnd = numberToIpv4(base + 2 ** (32 - prefixLength) - 6);
  return catalog;
}
