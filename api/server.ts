/** The API process: reads its configuration, connects to Temporal and Postgres, and listens. */
import { Client, Connection } from '@temporalio/client';
import { loadApiConfig } from '../platform/config';
import { createPool } from '../platform/db/pool';
import { createLogger } from '../platform/logger';
import { exitWithParent } from '../platform/parent-watch';
import { startApiService } from './service';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const log = createLogger('api', config.LOG_LEVEL);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const pool = createPool(config.DATABASE_URL);
  const api = await startApiService({
    temporal,
    namespace: config.TEMPORAL_NAMESPACE,
    pool,
    log,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    publicUrl: (config.API_PUBLIC_URL ?? `http://${config.API_HOST}:${config.API_PORT}`).replace(/\/+$/, ''),
    host: config.API_HOST,
    port: config.API_PORT,
    limits: { perMinute: config.API_RATE_LIMIT_PER_MINUTE },
    endSystemUrls: { awx: config.AWX_URL, tfe: config.TFE_URL },
  });
  log.info({ url: api.url }, 'api listening');

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'api stopping');
    await api.close();
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
