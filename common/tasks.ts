/**
 * What workflow code may know about a task: its metadata, never its handler. A task is one
 * activity; its Temporal activity type is its id (`awx:launch-job-template`), so the Web UI and
 * the CLI show the same name the templates use.
 */
import type { RetryPolicy } from '@temporalio/common';
import type { TaskQueue } from './task-queues';

/** Named timeout profiles, declared once and referred to by tasks. */
export const timeoutProfiles = {
  /**
   * One quick REST call or query. No schedule-to-start or schedule-to-close limit: time spent
   * queued behind a backlog is busy, not failed; the retry policy's attempts bound the call.
   */
  short: { startToCloseTimeout: '30 seconds' },
  /** A call that waits on an end system (a job, a run): must heartbeat. */
  long: { startToCloseTimeout: '2 hours', heartbeatTimeout: '30 seconds' },
} as const;

export type TimeoutProfileName = keyof typeof timeoutProfiles;

/** The default retry policy of every task; a task or a template step may override fields. */
export const defaultRetryPolicy: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 10,
};

export interface TaskMeta {
  /** `system:verb-noun`, also the activity type. */
  id: string;
  description: string;
  taskQueue: TaskQueue;
  timeouts: TimeoutProfileName;
  retry?: RetryPolicy;
  /**
   * A pure, quick task (a render, a lookup in the worker's own library, a ledger write): run as a
   * local activity by the worker that runs the workflow, inside the workflow task that asks for
   * it. No activity task goes through Temporal's matching and no workflow task follows its end:
   * about 9 ms instead of 50 ms and one workflow task fewer. Only for tasks of the queue whose
   * worker runs the workflows (`orchestrator`; a unit test holds every local task to it).
   */
  local?: true;
}
