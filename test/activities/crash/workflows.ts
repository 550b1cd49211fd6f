/** The crash test's workflow: one task, on the task queue the test's own worker process polls. */
import { proxyActivities } from '@temporalio/workflow';

export interface RunTaskOnceInput {
  taskId: string;
  taskQueue: string;
  input: unknown;
}

/** Runs one task with a short start-to-close timeout, so a killed worker's attempt is retried soon. */
export async function runTaskOnce({ taskId, taskQueue, input }: RunTaskOnceInput): Promise<unknown> {
  const activities = proxyActivities<Record<string, (input: unknown) => Promise<unknown>>>({
    taskQueue,
    startToCloseTimeout: '4 seconds',
    retry: { initialInterval: '200 milliseconds', maximumAttempts: 5 },
  });
  return activities[taskId]!(input);
}
