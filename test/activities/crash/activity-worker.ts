/**
 * A worker process for the crash test: serves the AWX or TFE tasks (CRASH_SYSTEM) on its own task
 * queue (CRASH_TASK_QUEUE) with clients built from the end-system environment, as the real worker
 * does. The test kills it with SIGKILL mid-activity and starts another.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { awxSystem, createAwxDeps } from '../../../activities/awx';
import { buildActivities } from '../../../activities/task';
import { createTfeDeps, tfeSystem } from '../../../activities/tfe';
import { loadEndSystemsConfig } from '../../../platform/end-systems';
import { connectTemporalWorker, loadTemporalConfig } from '../../../platform/temporal/connection';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = loadEndSystemsConfig();
  const activities =
    process.env.CRASH_SYSTEM === 'awx'
      ? buildActivities(awxSystem.tasks, createAwxDeps(config.awx!))
      : buildActivities(tfeSystem.tasks, createTfeDeps(config.tfe!));
  const temporal = loadTemporalConfig();
  const connection = await connectTemporalWorker(temporal);
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: process.env.CRASH_TASK_QUEUE!,
    activities,
  });
  process.stdout.write('polling\n');
  await worker.run();
  await connection.close();
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
