/**
 * The chaos run's own topology, every part a separate process on free ports under one temporary
 * folder, so that killing one is a real crash: the Temporal dev server on a persistent SQLite
 * file (stopped and started again on that file), PostgreSQL (embedded, or a database of its own
 * on DATABASE_URL's server), the simulators, and the worker process (killed with SIGKILL and
 * started again). With one process of each the API runs in this process through `createApp`, as
 * a stateless gateway does; with `processes` above 1 there are that many worker processes (each
 * polling every queue) and that many API processes on one port (`api/server.ts` with
 * API_PROCESSES), and a kill takes one of them while the others carry on.
 */
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@temporalio/client';
import { connectTemporalClient, temporalAt } from '../../platform/temporal/connection';
import type { Pool } from 'pg';
import { issueToken } from '../../api/auth/tokens';
import { startApiService, type ApiService } from '../../api/service';
import { startScratchDatabase } from '../../platform/database';
import { makeScratchDir } from '../../platform/db/embedded';
import { createPool } from '../../platform/db/pool';
import { loadDevConfig, projectRoot, type DevConfig } from '../../platform/dev-config';
import { loadEndSystemsConfig, type EndSystemsConfig } from '../../platform/end-systems';
import { createLogger } from '../../platform/logger';
import { freePort } from '../../platform/net';
import { startProcess, type ManagedProcess } from '../../platform/processes';
import { startSimulatorsProcess } from '../../platform/simulators-process';
import { ensureTemporalCli } from '../../platform/temporal/cli';
import { startDevServer, type DevServer } from '../../platform/temporal/dev-server';
import { labCatalog, seedCatalog } from '../../resource-handlers/store';

/** How many requesters the storm's builds come from (`stormTokens`). */
const STORM_REQUESTERS = 4;

/** What the run needs to know about the parts it started. */
export interface Topology {
  dir: string;
  temporalAddress: string;
  namespace: string;
  /** A client of this process; it rides out the server's restart on its own. */
  temporal: Client;
  pool: Pool;
  databaseUrl: string;
  /** The simulators' admin API (faults, counters, world). */
  simAdminUrl: string;
  /** The end systems as the workers see them, for the checks to ask them by their own APIs. */
  endSystems: EndSystemsConfig;
  /** The folder of the bare git repositories RFM pushes to. */
  gitDir: string;
  apiUrl: string;
  /** A requester's bearer token. */
  requesterToken: string;
  /**
   * The storm's builds come from several requesters, as a morning's orders do: one requester's
   * would work 10 at a time (admission per requester, docs/waits.md), too few to make the backlog
   * on the queues that the storm is there to make.
   */
  stormTokens: string[];
  /** Another requester's: the storm's probe is someone else's request (docs/waits.md, "Workflow tasks"). */
  probeToken: string;
  /** API and worker processes of each. */
  processes: number;
  /** The worker process, or with `processes` above 1 all of them: a kill takes one in turn. */
  worker: WorkerProcess;
  /** The API processes, when they are processes of their own (`processes` above 1). */
  api?: ApiProcesses;
  temporalServer: TemporalServer;
  /** Stops everything; keeps the folder when `keep` (a failed run, to read its logs). */
  stop(keep: boolean): Promise<void>;
}

/** The worker process, started again after every crash. */
export interface WorkerProcess {
  /** Starts it and resolves once every queue polls. */
  start(): Promise<void>;
  /** Stops it gently and starts it again with these settings added to its environment (kept for later starts). */
  restartWith(env: Record<string, string>): Promise<void>;
  /** SIGKILL to its whole process group; resolves once it is gone. */
  kill(): Promise<void>;
  running(): boolean;
  /** Called when the worker exits without being killed by the run. */
  onUnexpectedExit(fn: (code: number | string) => void): void;
  stop(): Promise<void>;
}

/** API processes sharing one port under their cluster primary, which starts any that dies again. */
export interface ApiProcesses {
  count: number;
  /** SIGKILL to one API process (in turn); resolves once the primary's new one listens. */
  killOne(): Promise<void>;
}

/** The Temporal dev server on its file, stopped and started again on the same port. */
export interface TemporalServer {
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface TopologyOptions {
  seed: number;
  /** API and worker processes of each (default 1: one worker, the API in this process). */
  processes?: number;
  log: (line: string) => void;
}

const simDurationMs = 200;

export async function startTopology(opts: TopologyOptions): Promise<Topology> {
  const dir = makeScratchDir('oo-chaos-');
  const logs = path.join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const toFile = (name: string) => (line: string) =>
    appendFileSync(path.join(logs, `${name}.log`), `${line}\n`);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    while (stops.length) await stops.pop()!().catch((err: Error) => opts.log(`cleanup: ${err.message}`));
  };

  try {
    const temporalServer = await startTemporal(dir, toFile('temporal'));
    stops.push(() => temporalServer.stop());

    const database = await startScratchDatabase({ dir, prefix: 'oo_chaos' });
    stops.push(() => database.stop());
    const pool = createPool(database.url, 10);
    stops.push(() => pool.end());

    const sims = await startSimulatorsProcess({
      dataDir: path.join(dir, 'simulators'),
      secretsFile: path.join(dir, 'end-systems-secrets.json'),
      env: {
        SIM_SEED: String(opts.seed),
        // Every transition takes a little while, so kills land while jobs and runs are under way.
        SIM_DURATIONS: JSON.stringify({ '*': simDurationMs }),
      },
      onLine: toFile('simulators'),
    });
    stops.push(() => sims.process.stop(10_000));
    await seedCatalog(pool, labCatalog());
    const endSystems = loadEndSystemsConfig(sims.env);
    const gitDir = path.join(dir, 'git');

    const workerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...sims.env,
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_NAMESPACE: temporalServer.namespace,
      DATABASE_URL: database.url,
      RFM_GIT_BASE_URL: pathToFileURL(gitDir).href,
      RFM_GIT_WORK_DIR: path.join(dir, 'rfm-work'),
      AWX_POLL_INTERVAL_MS: '300',
      TFE_POLL_INTERVAL_MS: '300',
      // A dropped connection must fail a call quickly enough to be retried within the run.
      END_SYSTEMS_HTTP_TIMEOUT_MS: '10000',
      LOG_LEVEL: 'info',
      WORKER_SHUTDOWN_GRACE_MS: '1000',
      STACK_PARENT_PID: String(process.pid),
    };
    const processes = opts.processes ?? 1;
    const worker =
      processes === 1
        ? workerProcess(workerEnv, toFile('worker'))
        : workerGroup(
            Array.from({ length: processes }, (_, i) => workerProcess(workerEnv, toFile(`worker-${i + 1}`))),
          );
    stops.push(() => worker.stop());
    await worker.start();

    const { connection, client: temporal } = await connectTemporalClient(
      temporalAt(temporalServer.address, temporalServer.namespace),
    );
    stops.push(() => connection.close());
    let apiUrl: string;
    let apiProcesses: ApiProcesses | undefined;
    if (processes === 1) {
      const api = await startApi(temporal, temporalServer.namespace, pool);
      stops.push(api.close);
      apiUrl = api.url;
    } else {
      const api = await startApiProcesses(processes, workerEnv, toFile('api'));
      stops.push(api.stop);
      apiUrl = api.url;
      apiProcesses = api;
    }
    const requesterToken = (
      await issueToken(pool, { subject: 'chaos@example.test', role: 'requester' }, 'chaos')
    ).token;
    const probeToken = (
      await issueToken(pool, { subject: 'chaos-probe@example.test', role: 'requester' }, 'chaos probe')
    ).token;
    const stormTokens = await Promise.all(
      Array.from(
        { length: STORM_REQUESTERS },
        async (_, i) =>
          (
            await issueToken(
              pool,
              { subject: `chaos-storm-${i}@example.test`, role: 'requester' },
              'chaos storm',
            )
          ).token,
      ),
    );

    return {
      dir,
      temporalAddress: temporalServer.address,
      namespace: temporalServer.namespace,
      temporal,
      pool,
      databaseUrl: database.url,
      simAdminUrl: sims.adminUrl,
      endSystems,
      gitDir,
      apiUrl,
      processes,
      requesterToken,
      probeToken,
      stormTokens,
      worker,
      ...(apiProcesses ? { api: apiProcesses } : {}),
      temporalServer,
      async stop(keep) {
        await stopAll();
        if (!keep) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    throw new Error(`${(err as Error).message} (logs kept in ${logs})`, { cause: err });
  }
}

async function startTemporal(
  dir: string,
  onLine: (line: string) => void,
): Promise<TemporalServer & { address: string; namespace: string }> {
  const base = loadDevConfig();
  const config: DevConfig = {
    ...base,
    // WAL keeps the file consistent across a stop; the server is stopped with SIGTERM, not killed.
    server: { ...base.server, sqlitePragmas: { journal_mode: 'WAL' } },
  };
  const cli = ensureTemporalCli();
  const ports = { grpcPort: await freePort(), metricsPort: await freePort() };
  const dbFile = path.join(dir, 'temporal.sqlite');
  const start = () => startDevServer({ cli, config, uiPort: null, dbFile, onLine, ...ports });
  let server: DevServer = await start();
  return {
    address: server.address,
    namespace: config.namespace,
    async restart(downMs) {
      await server.stop();
      await new Promise((r) => setTimeout(r, downMs));
      server = await start();
    },
    stop: () => server.stop(),
  };
}

function workerProcess(env: NodeJS.ProcessEnv, onLine: (line: string) => void): WorkerProcess {
  let current: ManagedProcess | undefined;
  let killing = false;
  const listeners: ((code: number | string) => void)[] = [];
  const worker: WorkerProcess = {
    async start() {
      let resolvePolling: () => void = () => undefined;
      const polling = new Promise<void>((resolve) => (resolvePolling = resolve));
      const child = startProcess('worker', process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
        cwd: projectRoot,
        env,
        onLine: (line) => {
          onLine(line);
          if (line.includes('workers polling')) resolvePolling();
        },
      });
      current = child;
      void child.exited.then((code) => {
        if (current === child && !killing) for (const fn of listeners) fn(code);
      });
      await Promise.race([
        polling,
        child.exited.then((code) => {
          throw new Error(`the worker exited during start-up (${code}); see logs/worker.log`);
        }),
      ]);
    },
    async kill() {
      const child = current;
      if (!child?.child.pid || child.child.exitCode !== null || child.child.signalCode !== null) return;
      killing = true;
      try {
        process.kill(-child.child.pid, 'SIGKILL');
        await child.exited;
      } finally {
        killing = false;
      }
    },
    async restartWith(extra) {
      killing = true;
      try {
        await current?.stop(5_000);
      } finally {
        killing = false;
      }
      Object.assign(env, extra);
      await worker.start();
    },
    running: () => !!current && current.child.exitCode === null && current.child.signalCode === null,
    onUnexpectedExit: (fn) => void listeners.push(fn),
    async stop() {
      killing = true;
      await current?.stop(5_000);
    },
  };
  return worker;
}

async function startApi(temporal: Client, namespace: string, pool: Pool): Promise<ApiService> {
  // Temporal is restarted under it: the sweep retries the starts that failed meanwhile.
  return startApiService({
    temporal,
    namespace,
    pool,
    log: createLogger('api', 'silent'),
    temporalUiUrl: 'http://temporal-ui.invalid',
    publicUrl: 'http://api.invalid',
    host: '127.0.0.1',
    port: 0,
    // The run's own load is the point; the rate limit is another suite's subject.
    limits: { perMinute: 1_000_000 },
  });
}

/**
 * Several worker processes as one: started together, stopped together, restarted with new settings
 * one after the other; a kill takes one of them (in turn) while the others keep polling, and a
 * start starts whichever is not running.
 */
function workerGroup(members: WorkerProcess[]): WorkerProcess {
  let next = 0;
  return {
    async start() {
      await Promise.all(members.filter((m) => !m.running()).map((m) => m.start()));
    },
    async restartWith(env) {
      for (const m of members) await m.restartWith(env);
    },
    kill: () => members[next++ % members.length]!.kill(),
    running: () => members.every((m) => m.running()),
    onUnexpectedExit: (fn) => {
      for (const m of members) m.onUnexpectedExit(fn);
    },
    async stop() {
      await Promise.all(members.map((m) => m.stop()));
    },
  };
}

/**
 * `count` API processes on one free port: `api/server.ts` with API_PROCESSES, its cluster primary
 * forking them and starting any that dies again (api/cluster.ts).
 */
async function startApiProcesses(
  count: number,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<ApiProcesses & { url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const listening: number[] = [];
  let waiters: (() => void)[] = [];
  const child = startProcess('api', process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    cwd: projectRoot,
    env: {
      ...env,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      API_PROCESSES: String(count),
      TEMPORAL_UI_URL: 'http://temporal-ui.invalid',
      // The run's own load is the point; the rate limit is another suite's subject.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
    },
    onLine: (line) => {
      onLine(line);
      if (!line.includes('"api process listening"')) return;
      const pid = (JSON.parse(line) as { apiPid?: number }).apiPid;
      if (pid) listening.push(pid);
      const woken = waiters;
      waiters = [];
      for (const w of woken) w();
    },
  });
  const until = (enough: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (enough() ? resolve() : waiters.push(check));
      check();
      void child.exited.then((code) =>
        reject(new Error(`the API exited (${code}) ${what}; see logs/api.log`)),
      );
    });
  await until(() => listening.length >= count, 'during start-up');
  let next = 0;
  return {
    count,
    url: `http://127.0.0.1:${port}`,
    async killOne() {
      const alive = listening.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      const pid = alive[next++ % alive.length]!;
      const before = listening.length;
      process.kill(pid, 'SIGKILL');
      await until(() => listening.length > before, 'while one of its processes was replaced');
    },
    stop: () => child.stop(10_000),
  };
}
