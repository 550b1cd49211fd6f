/**
 * The worker process: checks the template library (an invalid template refuses to start, naming
 * every problem), connects its clients to the configured end systems, serves every task queue
 * until SIGINT/SIGTERM, then drains (running activities get the grace period) and exits.
 */
import './lean-heap';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { taskCatalog } from '../activities/registry';
import { loadRfmConfig } from '../activities/rfm';
import { loadWorkerConfig } from '../platform/config';
import { createPool } from '../platform/db/pool';
import { loadEndSystemsConfig } from '../platform/end-systems';
import { createLogger } from '../platform/logger';
import { portOf, serveMetrics } from '../platform/metrics';
import { freePort } from '../platform/net';
import { payloadDataConverter } from '../platform/payload-codec';
import { startPresence } from '../platform/presence';
import { RequestLogCollector } from '../platform/request-log';
import { exitWithParent } from '../platform/parent-watch';
import { loadTemplateLibrary, templatesDir } from '../templates/library';
import { queueActivities } from './activities';
import { forwardSdkLog, sdkLogLevel } from './sdk-log';
import { createWorkers, runWorkers } from './workers';
import { connectTemporalWorker, loadTemporalConfig } from '../platform/temporal/connection';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  // Lines naming a request also go to its log bundle (platform/request-log.ts).
  const requestLog = new RequestLogCollector();
  const log = createLogger('worker', config.LOG_LEVEL, requestLog);
  // The SDK's own metrics (task slots, poll latencies, schedule-to-start) on a private port; the
  // worker's metrics port serves them after ours, so one scrape target carries both.
  const sdkMetricsPort = config.WORKER_METRICS_PORT === undefined ? undefined : await freePort();
  Runtime.install({
    ...(sdkMetricsPort
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } } }
      : {}),
    logger: new DefaultLogger(sdkLogLevel(config.LOG_LEVEL), forwardSdkLog(log)),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
  });

  const metricsServer =
    config.WORKER_METRICS_PORT === undefined
      ? undefined
      : await serveMetrics({
          host: config.WORKER_METRICS_HOST,
          port: config.WORKER_METRICS_PORT,
          sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
        });
  if (metricsServer)
    log.info(
      { metrics: `http://${config.WORKER_METRICS_HOST}:${portOf(metricsServer)}/metrics` },
      'metrics served',
    );

  const library = loadTemplateLibrary(templatesDir, taskCatalog);
  log.info({ templates: library.keys() }, 'templates checked');
  const pool = createPool(config.DATABASE_URL);
  requestLog.attach(pool);
  const activities = queueActivities({
    pool,
    library,
    endSystems: loadEndSystemsConfig(),
    rfm: loadRfmConfig(),
  });

  const temporal = loadTemporalConfig();
  const connection = await connectTemporalWorker(temporal);
  const workers = await createWorkers({
    connection,
    namespace: temporal.namespace,
    ...(config.WORKER_TASK_QUEUES ? { taskQueues: config.WORKER_TASK_QUEUES } : {}),
    activities: activities.byQueue,
    maxConcurrentActivities: {
      orchestrator: config.WORKER_CONCURRENCY_ORCHESTRATOR,
      'orchestrator-bulk': config.WORKER_CONCURRENCY_ORCHESTRATOR,
      awx: config.WORKER_CONCURRENCY_AWX,
      tfe: config.WORKER_CONCURRENCY_TFE,
      vcenter: config.WORKER_CONCURRENCY_VCENTER,
      aci: config.WORKER_CONCURRENCY_ACI,
      'awx-waits': config.WORKER_CONCURRENCY_AWX_WAITS,
      'tfe-waits': config.WORKER_CONCURRENCY_TFE_WAITS,
    },
    activitiesPerSecond: { tfe: config.WORKER_ACTIVITIES_PER_SECOND_TFE },
    workflowTaskSlots: config.WORKER_WORKFLOW_TASK_SLOTS,
    stickyQueueTimeoutMs: config.WORKER_STICKY_QUEUE_TIMEOUT_MS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTimeMs: config.WORKER_SHUTDOWN_GRACE_MS,
    dataConverter: payloadDataConverter(config.PAYLOAD_ENCRYPTION_KEYS) ?? {},
  });
  exitWithParent(() => {
    log.warn('the launcher is gone; shutting down');
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  });
  log.info(
    { taskQueues: workers.map((w) => w.options.taskQueue), temporal: temporal.summary },
    'workers polling',
  );
  // Temporal's pollers identify this process by its identity (`pid@host`, one for all its queues).
  const presence = startPresence(pool, {
    processId: workers[0]!.options.identity,
    kind: 'worker',
    details: () => ({
      identity: workers[0]!.options.identity,
      queues: workers.map((w) => {
        const status = w.getStatus();
        const max = w.options.maxConcurrentActivityTaskExecutions ?? 0;
        return {
          taskQueue: w.options.taskQueue,
          state: status.runState,
          activitySlotsUsed: status.numInFlightActivities,
          activitySlotsFree: Math.max(0, max - status.numInFlightActivities),
          workflowActivationsInFlight: status.numInFlightWorkflowActivations,
        };
      }),
    }),
  });
  try {
    await runWorkers(workers);
  } finally {
    await presence.stop();
    await activities.close();
    await requestLog.close();
    await Promise.allSettled([
      connection.close(),
      pool.end(),
      new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined))),
    ]);
  }
  log.info('workers stopped');
}

main().catch((err: Error) => {
  // A configuration or template problem is a message for the operator, not a stack trace.
  console.error(err.message);
  process.exit(1);
});
