/**
 * The API process: reads its configuration, connects to Temporal and Postgres, and listens. With
 * API_PROCESSES above 1 it is the primary of that many API processes on one port (api/cluster.ts).
 */
import { loadApiConfig } from '../platform/config';
import { createPool } from '../platform/db/pool';
import { loadEndSystemLocations } from '../platform/end-systems';
import { createLogger } from '../platform/logger';
import { exitWithParent } from '../platform/parent-watch';
import { connectTemporalClient, loadTemporalConfig } from '../platform/temporal/connection';
import { RequestLogCollector } from '../platform/request-log';
import { isApiProcess, runPrimary } from './cluster';
import { oidcSettingsOf } from './portal/oidc';
import { startApiService } from './service';

async function main(): Promise<void> {
  const config = loadApiConfig();
  // Lines naming a request also go to its log bundle (platform/request-log.ts).
  const requestLog = new RequestLogCollector();
  const log = createLogger('api', config.LOG_LEVEL, requestLog);
  const temporalConfig = loadTemporalConfig();
  const {
    connection,
    client: temporal,
    codec,
  } = await connectTemporalClient(temporalConfig, {
    encryptionKeys: config.PAYLOAD_ENCRYPTION_KEYS,
  });
  log.info({ temporal: temporalConfig.summary }, 'temporal connected');
  const pool = createPool(config.DATABASE_URL);
  requestLog.attach(pool);
  const publicUrl = (config.API_PUBLIC_URL ?? `http://${config.API_HOST}:${config.API_PORT}`).replace(
    /\/+$/,
    '',
  );
  const oidc = oidcSettingsOf(config, publicUrl);
  const api = await startApiService({
    temporal,
    namespace: temporalConfig.namespace,
    pool,
    log,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    publicUrl,
    ...(oidc ? { oidc } : {}),
    host: config.API_HOST,
    port: config.API_PORT,
    limits: { perMinute: config.API_RATE_LIMIT_PER_MINUTE },
    ...(config.REQUEST_BATCH_SIZE ? { requestBatchSize: config.REQUEST_BATCH_SIZE } : {}),
    bulkAfter: config.REQUEST_BULK_AFTER,
    endSystems: loadEndSystemLocations(),
    ...(codec ? { codec } : {}),
    endSystemUrls: { awx: config.AWX_URL, tfe: config.TFE_URL },
  });
  log.info({ url: api.url, oidcIssuer: oidc?.issuerUrl }, 'api listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    // A signal to the process group and the cluster primary's own (api/cluster.ts) both arrive:
    // the second must not end the process half-way through closing.
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api stopping');
    await api.close();
    await requestLog.close();
    await Promise.allSettled([pool.end(), connection.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  exitWithParent(() => void shutdown('launcher gone'));
}

function start(): Promise<void> {
  const config = loadApiConfig();
  if (config.API_PROCESSES > 1 && !isApiProcess()) {
    runPrimary(config.API_PROCESSES);
    return Promise.resolve();
  }
  return main();
}

start().catch((err) => {
  console.error(err);
  process.exit(1);
});
