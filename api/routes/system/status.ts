/**
 * The deployment's presence, as `GET /v1/system/status` answers it: the workers Temporal sees
 * polling each task queue (joined with the rows they keep fresh in PostgreSQL, so a killed worker
 * drops out within seconds), the API processes, Temporal and PostgreSQL (the end systems come from
 * the prober, end-systems.ts).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Pool } from 'pg';
import { allTaskQueues, isWorkflowQueue } from '../../../common/task-queues';
import { presenceRows, type PresenceRow } from '../../../platform/presence';
import type { EndSystemStatus } from './end-systems';
import { POLLER_FRESHNESS_MS } from '../health/readiness';

const TaskQueueType = temporal.api.enums.v1.TaskQueueType;

export interface WorkerPresence {
  /** The worker's Temporal identity (`pid@host` by default). */
  identity: string;
  host: string | null;
  pid: number | null;
  /** Null for a worker that keeps no presence row (Temporal alone knows it). */
  version: string | null;
  queues: { taskQueue: string; type: 'workflow' | 'activity'; lastPoll: string }[];
  /** Per queue: activity slots used and free, from the worker itself. */
  slots: unknown[] | null;
  lastSeen: string;
}

export interface SystemStatus {
  generatedAt: string;
  workers: WorkerPresence[];
  apiProcesses: Omit<PresenceRow, 'kind' | 'fresh'>[];
  temporal: { reachable: boolean; namespace: string; version?: string; error?: string };
  postgres: { reachable: boolean; version?: string; error?: string };
  /** AWX, TFE, vCenter, ACI and SMTP as this API process's prober last found them. */
  endSystems: EndSystemStatus[];
}

const toMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;

async function pollersOf(client: Client, namespace: string) {
  const asks = allTaskQueues.flatMap((taskQueue) =>
    (isWorkflowQueue(taskQueue) ? (['workflow', 'activity'] as const) : (['activity'] as const)).map(
      async (type) => {
        const { pollers } = await client.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: taskQueue },
          taskQueueType:
            type === 'workflow'
              ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
              : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        });
        return (pollers ?? []).map((p) => ({
          identity: p.identity ?? '',
          taskQueue,
          type,
          at: toMs(p.lastAccessTime),
        }));
      },
    ),
  );
  return (await Promise.all(asks)).flat();
}

/** Reads everything once; the route caches the answer. */
export async function systemStatus(
  client: Client,
  pool: Pool,
  namespace: string,
): Promise<Omit<SystemStatus, 'endSystems'>> {
  const [pollers, rows, temporalInfo, pg] = await Promise.all([
    pollersOf(client, namespace).catch(() => []),
    presenceRows(pool).catch(() => [] as PresenceRow[]),
    client.workflowService.getSystemInfo({}).then(
      (info) => ({ reachable: true, namespace, version: info.serverVersion ?? undefined }),
      (err: Error) => ({ reachable: false, namespace, error: err.message }),
    ),
    pool.query<{ version: string }>('SHOW server_version').then(
      (r) => ({ reachable: true, version: r.rows[0]?.version }),
      (err: Error) => ({ reachable: false, error: err.message }),
    ),
  ]);
  const now = Date.now();
  const byId = new Map(rows.filter((r) => r.kind === 'worker').map((r) => [r.processId, r]));
  const workers = new Map<string, WorkerPresence>();
  for (const p of pollers) {
    const row = byId.get(p.identity);
    // A worker that keeps a row is there while the row is fresh; one that keeps none, while
    // Temporal saw it poll lately (a long poll lasts about a minute).
    if (row ? !row.fresh : now - p.at > POLLER_FRESHNESS_MS) continue;
    const [pid, host] = p.identity.split('@');
    const w = workers.get(p.identity) ?? {
      identity: p.identity,
      host: row?.host ?? host ?? null,
      pid: row?.pid ?? (Number.isInteger(Number(pid)) ? Number(pid) : null),
      version: row?.version ?? null,
      queues: [],
      slots: (row?.details.queues as unknown[] | undefined) ?? null,
      lastSeen: row?.lastSeen ?? new Date(p.at).toISOString(),
    };
    w.queues.push({ taskQueue: p.taskQueue, type: p.type, lastPoll: new Date(p.at).toISOString() });
    workers.set(p.identity, w);
  }
  return {
    generatedAt: new Date(now).toISOString(),
    workers: [...workers.values()].sort((a, b) => a.identity.localeCompare(b.identity)),
    apiProcesses: rows
      .filter((r) => r.kind === 'api' && r.fresh)
      .map(({ kind: _kind, fresh: _fresh, ...rest }) => rest),
    temporal: temporalInfo,
    postgres: pg,
  };
}
