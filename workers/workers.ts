/**
 * The workers of the stack: one Temporal Worker per task queue, all in one process by default.
 * The orchestrator queue runs the workflows; each end system has its own queue so its
 * concurrency can be capped alone. Used by `workers/main.ts` and by the test harness.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { allTaskQueues, TaskQueues, type TaskQueue } from '../common/task-queues';

type ActivityMap = Record<string, (input: never) => Promise<unknown>>;

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  /** A prebuilt bundle (tests, to bundle once) or nothing to bundle `workflows/` at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Each queue's activities (`queueActivities`), the health ping included. */
  activities: Record<TaskQueue, ActivityMap>;
  /** Per-queue cap on concurrent activities; default 100. */
  maxConcurrentActivities?: Partial<Record<TaskQueue, number>>;
  shutdownGraceTimeMs?: number;
}

export const workflowsPath = require.resolve('../workflows');

/** Creates (but does not run) one Worker per task queue. */
export async function createWorkers(opts: WorkerSetOptions): Promise<Worker[]> {
  return Promise.all(
    allTaskQueues.map((taskQueue) =>
      Worker.create({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue,
        ...(taskQueue === TaskQueues.orchestrator
          ? opts.workflowBundle
            ? { workflowBundle: opts.workflowBundle }
            : { workflowsPath }
          : {}),
        activities: opts.activities[taskQueue],
        maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities?.[taskQueue] ?? 100,
        shutdownGraceTime: opts.shutdownGraceTimeMs ?? 10_000,
        // An activity that ignores cancellation must not hold shutdown forever.
        shutdownForceTime: (opts.shutdownGraceTimeMs ?? 10_000) + 5_000,
      }),
    ),
  );
}

/** Runs every worker until one fails or all are shut down; a failure shuts the others down. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((w) => w.run()));
  } catch (err) {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    throw err;
  }
}
