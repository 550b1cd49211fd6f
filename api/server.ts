/** The API process: reads its configuration, connects to Temporal and Postgres, and listens. */
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { loadApiConfig } from '../platform/config';
import { createPool } from '../platform/db/pool';
import { createLogger } from '../platform/logger';
import { exitWithParent } from '../platform/parent-watch';
import { createApp } from './app';
import { createResourceValidator } from './routes/requests/validation';
import { createWorkflowStarter } from './starter';

/** How often the API looks for request workflows still to start. */
const START_SWEEP_MS = 1_000;

async function main(): Promise<void> {
  const config = loadApiConfig();
  const log = createLogger('api', config.LOG_LEVEL);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const pool = createPool(config.DATABASE_URL);
  const starter = createWorkflowStarter({ temporal, pool, log });
  const app = createApp(
    {
      temporal,
      namespace: config.TEMPORAL_NAMESPACE,
      pool,
      log,
      temporalUiUrl: config.TEMPORAL_UI_URL,
      publicUrl: (config.API_PUBLIC_URL ?? `http://${config.API_HOST}:${config.API_PORT}`).replace(
        /\/+$/,
        '',
      ),
      resources: createResourceValidator(pool),
      starter,
    },
    { perMinute: config.API_RATE_LIMIT_PER_MINUTE },
  );

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.API_PORT, config.API_HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.API_PORT;
  log.info({ url: `http://${config.API_HOST}:${port}` }, 'api listening');
  // Starts left waiting by a failed attempt or by a process that died before starting them.
  const stopSweeping = starter.sweepEvery(START_SWEEP_MS);

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'api stopping');
    server.close();
    server.closeIdleConnections();
    // Starts in flight finish (or stay waiting in PostgreSQL for the next process).
    await stopSweeping();
    await Promise.race([starter.idle(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    await Promise.allSettled([pool.end(), connection.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  exitWithParent(() => void shutdown('launcher gone'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
