/**
 * Readiness: Temporal answers, Postgres answers, and every task queue has a worker, read from
 * Temporal's own task-queue description (no side registry of workers). A worker whose every slot
 * is busy stops polling; the queue then has a backlog and a poller Temporal still remembers, and
 * it is busy, not absent: ready, with the backlog in the answer (docs/waits.md).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Pool } from 'pg';
import { allTaskQueues, isWorkflowQueue } from '../../../common/task-queues';

const TaskQueueType = temporal.api.enums.v1.TaskQueueType;

/**
 * A poller is listed with the time of its last poll; a long poll lasts up to about a minute, so a
 * poller seen within this window is still there.
 */
export const POLLER_FRESHNESS_MS = 90_000;

export interface Check {
  ok: boolean;
  detail?: string;
}

/** A task queue's backlog as Temporal estimates it. */
export interface Backlog {
  /** Tasks waiting for a worker slot. */
  tasks: number;
  /** Age of the oldest waiting task. */
  oldestSeconds: number;
  /** Tasks added and handed to workers per second, averaged over the last 30 s. */
  addRate: number;
  dispatchRate: number;
}

export interface QueueCheck extends Check {
  /** Workers that polled within POLLER_FRESHNESS_MS. */
  pollers: number;
  /** Workers Temporal still remembers, polling or not (a busy worker does not poll). */
  knownPollers: number;
  /** `polling`: a worker waits for tasks; `busy`: every slot in use; `absent`: no worker. */
  state: 'polling' | 'busy' | 'absent';
  backlog: Backlog;
}

export interface Readiness {
  ready: boolean;
  checks: { temporal: Check; postgres: Check; taskQueues: Record<string, Check | QueueCheck> };
}

async function check(fn: () => Promise<string | undefined>): Promise<Check> {
  try {
    const detail = await fn();
    return detail === undefined ? { ok: true } : { ok: true, detail };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** A protobuf timestamp or duration (its seconds a Long). */
type Instant = { seconds?: unknown; nanos?: number | null } | null | undefined;
/** The fields read of Temporal's PollerInfo and TaskQueueStats. */
type PollerInfo = { lastAccessTime?: Instant };
type Stats =
  | {
      approximateBacklogCount?: unknown;
      approximateBacklogAge?: Instant;
      tasksAddRate?: number | null;
      tasksDispatchRate?: number | null;
    }
  | null
  | undefined;

const millis = (t: Instant): number =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;

/**
 * What a queue's pollers and stats say: a fresh poller is there; no fresh poller but one Temporal
 * remembers and tasks waiting (or being handed out) is a worker with every slot busy; otherwise
 * no worker serves the queue. A worker that died shows as busy until Temporal forgets its poller
 * (minutes), then as absent.
 */
export function queueCheck(pollers: readonly PollerInfo[], stats: Stats, now = Date.now()): QueueCheck {
  const fresh = pollers.filter((p) => now - millis(p.lastAccessTime) < POLLER_FRESHNESS_MS).length;
  const backlog: Backlog = {
    tasks: Number(stats?.approximateBacklogCount ?? 0),
    oldestSeconds: Math.round(millis(stats?.approximateBacklogAge) / 1000),
    addRate: stats?.tasksAddRate ?? 0,
    dispatchRate: stats?.tasksDispatchRate ?? 0,
  };
  const figures = { pollers: fresh, knownPollers: pollers.length, backlog };
  const waiting =
    backlog.tasks > 0 ? `; ${backlog.tasks} task(s) waiting, oldest ${backlog.oldestSeconds} s` : '';
  if (fresh > 0) return { ok: true, state: 'polling', detail: `${fresh} poller(s)${waiting}`, ...figures };
  if (pollers.length > 0 && (backlog.tasks > 0 || backlog.dispatchRate > 0))
    return { ok: true, state: 'busy', detail: `every worker slot is busy${waiting}`, ...figures };
  return { ok: false, state: 'absent', detail: 'no worker is polling this task queue', ...figures };
}

async function pollerCheck(client: Client, namespace: string, taskQueue: string): Promise<QueueCheck> {
  const type = isWorkflowQueue(taskQueue)
    ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
    : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
  const { pollers, stats } = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: type,
    reportStats: true,
  });
  return queueCheck(pollers ?? [], stats);
}

/** Runs every readiness check concurrently. */
export async function readiness(client: Client, pool: Pool, namespace: string): Promise<Readiness> {
  const [temporalCheck, postgres, ...queues] = await Promise.all([
    check(async () => {
      await client.workflowService.getSystemInfo({});
      return undefined;
    }),
    check(async () => {
      await pool.query('SELECT 1');
      return undefined;
    }),
    ...allTaskQueues.map((q) =>
      pollerCheck(client, namespace, q).catch((err: Error) => ({ ok: false, detail: err.message })),
    ),
  ]);
  const taskQueues = Object.fromEntries(allTaskQueues.map((q, i) => [q, queues[i]!]));
  const ready = temporalCheck!.ok && postgres!.ok && Object.values(taskQueues).every((c) => c.ok);
  return { ready, checks: { temporal: temporalCheck!, postgres: postgres!, taskQueues } };
}
