/**
 * The worker process: connects to Temporal and serves every task queue until SIGINT/SIGTERM,
 * then drains (running activities get the grace period) and exits.
 */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { loadWorkerConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { exitWithParent } from '../platform/parent-watch';
import { createWorkers, runWorkers } from './workers';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const log = createLogger('worker', config.LOG_LEVEL);
  const sdkLevel: LogLevel =
    ({ trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN' } as const)[
      config.LOG_LEVEL as 'trace' | 'debug' | 'info' | 'warn'
    ] ?? 'ERROR';
  Runtime.install({
    logger: new DefaultLogger(sdkLevel, ({ level, message, meta }) => {
      const method =
        level === 'TRACE'
          ? 'trace'
          : level === 'DEBUG'
            ? 'debug'
            : level === 'WARN'
              ? 'warn'
              : level === 'ERROR'
                ? 'error'
                : 'info';
      log[method](meta ?? {}, message);
    }),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
  });

  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workers = await createWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    shutdownGraceTimeMs: config.WORKER_SHUTDOWN_GRACE_MS,
  });
  exitWithParent(() => {
    log.warn('the launcher is gone; shutting down');
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  });
  log.info(
    { taskQueues: workers.map((w) => w.options.taskQueue), temporal: config.TEMPORAL_ADDRESS },
    'workers polling',
  );
  try {
    await runWorkers(workers);
  } finally {
    await connection.close();
  }
  log.info('workers stopped');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
