/**
 * The bench worker process, on the stack's Temporal (TEMPORAL_ADDRESS), until SIGTERM:
 * - by default it serves the bench task queue with the interpreter, the hand-written DAG and the
 *   echo task (the interpreter phase);
 * - with BENCH_WORKER=bare, the bare-Temporal request (the bare phase): one worker per bare task queue,
 *   every activity a no-op, the workflow worker tuned as the stack's (`workflowWorkerTuning`:
 *   the same workflow task slots, sticky queue wait and workflow cache), so the two differ only
 *   in what the workflows do.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { exitWithParent } from '../platform/parent-watch';
import { connectTemporalWorker, loadTemporalConfig } from '../platform/temporal/connection';
import { loadWorkerConfig } from '../platform/config';
import { runWorkers, workflowWorkerTuning } from '../workers/workers';
import { bundleWorkflowsApart } from '../workers/workflow-bundle';
import { bareQueue, bareTaskQueues } from './bare';
import { BENCH_TASK_QUEUE, benchActivities } from './dag';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const temporal = loadTemporalConfig();
  const connection = await connectTemporalWorker(temporal);
  const common = { connection, namespace: temporal.namespace };
  // Bundled apart, as the stack's worker bundles its own, so their memory compares.
  const workflowBundle = await bundleWorkflowsApart({ workflowsPath: require.resolve('./workflows') });
  const config = process.env.BENCH_WORKER === 'bare' ? loadWorkerConfig() : undefined;
  const workers = config
    ? await Promise.all(
        bareTaskQueues.map((taskQueue) =>
          Worker.create({
            ...common,
            taskQueue,
            activities: { async noop() {} },
            ...(taskQueue === bareQueue('orchestrator')
              ? {
                  workflowBundle,
                  ...workflowWorkerTuning({
                    workflowTaskSlots: config.WORKER_WORKFLOW_TASK_SLOTS,
                    stickyQueueTimeoutMs: config.WORKER_STICKY_QUEUE_TIMEOUT_MS,
                    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
                  }),
                }
              : {}),
          }),
        ),
      )
    : [
        await Worker.create({
          ...common,
          taskQueue: BENCH_TASK_QUEUE,
          workflowBundle,
          activities: benchActivities,
        }),
      ];
  exitWithParent(() => workers.forEach((w) => w.shutdown()));
  process.stdout.write(`${JSON.stringify({ event: 'bench-worker-ready' })}\n`);
  await runWorkers(workers);
  await connection.close();
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
