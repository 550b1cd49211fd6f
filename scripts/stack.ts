/**
 * The launcher behind `npm start`: the whole system on embedded defaults, in dependency order —
 * Temporal (dev server on its SQLite file, or TEMPORAL_ADDRESS), PostgreSQL (embedded, or
 * DATABASE_URL) with migrations, the workers and the API — then waits until /readyz says ready
 * and prints where things are. Ctrl-C or SIGTERM stops everything it started, in reverse order.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadDevConfig, projectRoot } from '../platform/dev-config';
import { startDatabase, type StackDatabase } from '../platform/database';
import { isListening, waitFor } from '../platform/net';
import { startProcess, type ManagedProcess } from '../platform/processes';
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
  });
  running.temporal = server;
  writePidFile(pidFile, server.process.child.pid);
  return { address: server.address, uiUrl: server.uiUrl! };
}

function startNodeChild(name: string, script: string, env: NodeJS.ProcessEnv): ManagedProcess {
  const child = startProcess(name, process.execPath, ['--import', 'tsx', script], {
    cwd: projectRoot,
    env: { ...process.env, ...env, STACK_PARENT_PID: String(process.pid) },
  });
  running.children.push(child);
  void child.exited.then((code) => {
    if (!stopping) {
      log(`${name} exited unexpectedly (${code}); stopping the stack`);
      void stopAll(1);
    }
  });
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
  };
  if (!env.TEMPORAL_UI_URL) delete (env as Partial<typeof env>).TEMPORAL_UI_URL;
  startNodeChild('worker', 'workers/main.ts', env);
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
