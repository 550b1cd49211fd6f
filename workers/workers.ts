/**
 * The workers of the stack: one Temporal Worker per task queue, all in one process by default.
 * The two lanes (`orchestrator`, `orchestrator-bulk`) run the workflows, each Worker with its own
 * workflow thread, task slots and sticky queue; each end system has its own queue so its
 * concurrency can be capped alone. Used by `workers/main.ts` and by the test harness.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { payloadDataConverter } from '../platform/payload-codec';
import { allTaskQueues, isWorkflowQueue, type TaskQueue } from '../common/task-queues';
import { metricsSinks, stepMetrics, workflowInterceptorModules } from './metrics';
import { bundleWorkflowsApart } from './workflow-bundle';

type ActivityMap = Record<string, (input: never) => Promise<unknown>>;

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  /**
   * A prebuilt bundle (tests, to bundle once, with `workflowInterceptorModules`) or nothing to
   * bundle `workflows/` at start, in a child process (`bundleWorkflowsApart`).
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The queues served (`WORKER_TASK_QUEUES`); default: all of them. */
  taskQueues?: readonly TaskQueue[];
  /** Each queue's activities (`queueActivities`), the health ping included. */
  activities: Record<TaskQueue, ActivityMap>;
  /** Per-queue cap on concurrent activities; default 100. */
  maxConcurrentActivities?: Partial<Record<TaskQueue, number>>;
  /**
   * Per-queue pace of activity starts, enforced by the Temporal server across every worker of
   * the queue (`maxTaskQueueActivitiesPerSecond`); absent: not paced.
   */
  activitiesPerSecond?: Partial<Record<TaskQueue, number>>;
  /**
   * Workflow tasks each lane's worker holds at once (`maxConcurrentWorkflowTaskExecutions`);
   * default `DEFAULT_WORKFLOW_TASK_SLOTS`. Few on purpose: see there.
   */
  workflowTaskSlots?: number;
  /**
   * How long a workflow task waits on this worker's own (sticky) queue before Temporal hands it
   * to the shared queue instead (`stickyQueueScheduleToStartTimeout`); default
   * `DEFAULT_STICKY_QUEUE_TIMEOUT_MS`.
   */
  stickyQueueTimeoutMs?: number;
  /** Workflows kept in memory between their tasks; default `DEFAULT_MAX_CACHED_WORKFLOWS`. */
  maxCachedWorkflows?: number;
  shutdownGraceTimeMs?: number;
  /** Payload encryption (`payloadDataConverter`); default: from PAYLOAD_ENCRYPTION_KEYS. */
  dataConverter?: WorkerOptions['dataConverter'];
}

export const workflowsPath = require.resolve('../workflows');

/**
 * The SDK runs a process's workflow code on one thread, so workflow tasks taken beyond the few
 * that keep it busy only wait inside the worker: in arrival order, where Temporal's fairness and
 * priority cannot reorder them, and on the clock of their 10 s workflow task timeout. The SDK's
 * default (40) let a storm's tasks queue there for longer than that on a loaded machine; each
 * one that timed out was done again (docs/waits.md, "Workflow tasks"). With a handful, the
 * backlog stays on the server, where it is dispatched fairly per requester.
 */
export const DEFAULT_WORKFLOW_TASK_SLOTS = 4;

/**
 * A workflow's later tasks go to the worker that ran it before (its sticky queue, served first
 * come, first served), and only the shared queue is ordered fairly per requester. A task that
 * waits there longer than this (a storm's backlog) moves to the shared queue, where another
 * requester's task is served next. The SDK's default is 10 s (docs/waits.md).
 */
export const DEFAULT_STICKY_QUEUE_TIMEOUT_MS = 1_000;

/**
 * Workflows a worker process keeps in memory between their tasks (the sticky cache). The SDK's
 * default grows with the heap limit (about 2,000 here), so every resource workflow, idle for
 * its whole lease, stayed cached: 1.5 GiB with 500 request trees. A workflow pushed out of the
 * cache replays its history on its next task (a resource workflow's is short until its lease
 * ends); the requests in flight fit with room to spare (bench/README.md, "Lean workers").
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/**
 * The settings of the workflow worker that shape its latency and its memory, shared with the
 * benchmark's bare-Temporal worker so that the two differ only in what the workflows do.
 */
export function workflowWorkerTuning(opts: {
  workflowTaskSlots?: number;
  stickyQueueTimeoutMs?: number;
  maxCachedWorkflows?: number;
}): Pick<
  WorkerOptions,
  'maxConcurrentWorkflowTaskExecutions' | 'stickyQueueScheduleToStartTimeout' | 'maxCachedWorkflows'
> {
  return {
    maxConcurrentWorkflowTaskExecutions: opts.workflowTaskSlots ?? DEFAULT_WORKFLOW_TASK_SLOTS,
    stickyQueueScheduleToStartTimeout: opts.stickyQueueTimeoutMs ?? DEFAULT_STICKY_QUEUE_TIMEOUT_MS,
    maxCachedWorkflows: opts.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
  };
}

/** Creates (but does not run) one Worker per task queue served. */
export async function createWorkers(opts: WorkerSetOptions): Promise<Worker[]> {
  const dataConverter = opts.dataConverter ?? payloadDataConverter();
  const served = opts.taskQueues ?? allTaskQueues;
  const workflowBundle =
    opts.workflowBundle ??
    (served.some(isWorkflowQueue)
      ? await bundleWorkflowsApart({ workflowsPath, workflowInterceptorModules })
      : undefined);
  return Promise.all(
    served.map((taskQueue) =>
      Worker.create({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue,
        ...(isWorkflowQueue(taskQueue) ? { workflowBundle } : {}),
        activities: opts.activities[taskQueue],
        interceptors: { activity: [stepMetrics] },
        sinks: metricsSinks,
        ...(dataConverter ? { dataConverter } : {}),
        ...(isWorkflowQueue(taskQueue) ? workflowWorkerTuning(opts) : {}),
        maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities?.[taskQueue] ?? 100,
        ...(opts.activitiesPerSecond?.[taskQueue]
          ? { maxTaskQueueActivitiesPerSecond: opts.activitiesPerSecond[taskQueue] }
          : {}),
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
