/**
 * The bench worker process: serves the bench task queue with the interpreter, the hand-written
 * DAG and the echo task, on the stack's Temporal (TEMPORAL_ADDRESS), until SIGTERM.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { exitWithParent } from '../platform/parent-watch';
import { BENCH_TASK_QUEUE, benchActivities } from './dag';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
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
