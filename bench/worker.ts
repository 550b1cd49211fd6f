/**
 * The bench worker process: serves the bench task queue with the interpreter, the hand-written
 * DAG and the echo task, on the stack's Temporal (TEMPORAL_ADDRESS), until SIGTERM.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { exitWithParent } from '../platform/parent-watch';
import { connectTemporalWorker, loadTemporalConfig } from '../platform/temporal/connection';
import { BENCH_TASK_QUEUE, benchActivities } from './dag';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const temporal = loadTemporalConfig();
  const connection = await connectTemporalWorker(temporal);
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: BENCH_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: benchActivities,
  });
  exitWithParent(() => worker.shutdown());
  process.stdout.write(`${JSON.stringify({ event: 'bench-worker-ready' })}\n`);
  await worker.run();
  await connection.close();
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
