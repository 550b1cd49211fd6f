/**
 * Readiness: Temporal answers, Postgres answers, and every task queue has a worker polling it,
 * read from Temporal's own task-queue description (no side registry of workers).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Pool } from 'pg';
import { allTaskQueues, TaskQueues } from '../../../common/task-queues';

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

export interface Readiness {
  ready: boolean;
  checks: { temporal: Check; postgres: Check; taskQueues: Record<string, Check> };
}

async function check(fn: () => Promise<string | undefined>): Promise<Check> {
  try {
    const detail = await fn();
    return detail === undefined ? { ok: true } : { ok: true, detail };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

async function pollerCheck(client: Client, namespace: string, taskQueue: string): Promise<Check> {
  const type =
    taskQueue === TaskQueues.orchestrator
      ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
      : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: type,
  });
  const now = Date.now();
  const live = (pollers ?? []).filter((p) => {
    const t = p.lastAccessTime;
    const ms = t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
    return now - ms < POLLER_FRESHNESS_MS;
  });
  return live.length > 0
    ? { ok: true, detail: `${live.length} poller(s)` }
    : { ok: false, detail: 'no worker is polling this task queue' };
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
