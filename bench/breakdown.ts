/**
 * Where a request's time goes, read from the histories of its whole tree (a TraceId visibility
 * query): per activity type its queue wait (scheduled → started) and run time (started →
 * closed), and the workflow tasks' count and latency. The end-to-end figure says how long; this
 * says which cost to remove first.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null;
const ms = (t: Timestamp | undefined): number => {
  if (!t) return 0;
  const s = t.seconds;
  const seconds = typeof s === 'number' ? s : (s?.toNumber() ?? 0);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
};

export interface StepCost {
  count: number;
  queueMs: number;
  runMs: number;
}

export interface Breakdown {
  workflows: number;
  events: number;
  /**
   * Workflow tasks of the tree: how many, their total schedule-to-start and start-to-complete, the
   * longest schedule-to-start, and how many timed out (taken by a worker that did not finish them
   * in time: done again).
   */
  workflowTasks: StepCost & { maxQueueMs: number; timedOut: number };
  /** Per activity type, totals over the tree. */
  activities: Record<string, StepCost>;
  /** Child workflows: total time from the parent's initiation to the child's start. */
  childStarts: { count: number; startMs: number };
}

/** The cost breakdown of every workflow whose TraceId is `traceId`. */
export async function breakdown(client: Client, traceId: string): Promise<Breakdown> {
  const result: Breakdown = {
    workflows: 0,
    events: 0,
    workflowTasks: { count: 0, queueMs: 0, runMs: 0, maxQueueMs: 0, timedOut: 0 },
    activities: {},
    childStarts: { count: 0, startMs: 0 },
  };
  for await (const wf of client.workflow.list({ query: `TraceId='${traceId}'` })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    result.workflows++;
    const events = history.events ?? [];
    result.events += events.length;
    const at = new Map<number, { time: number; type?: string }>();
    for (const e of events) {
      const id = Number(e.eventId);
      const time = ms(e.eventTime as Timestamp);
      switch (e.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
          at.set(id, { time });
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
          const scheduled = at.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId));
          result.workflowTasks.count++;
          if (scheduled) {
            result.workflowTasks.queueMs += time - scheduled.time;
            result.workflowTasks.maxQueueMs = Math.max(
              result.workflowTasks.maxQueueMs,
              time - scheduled.time,
            );
          }
          at.set(id, { time });
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
          const started = at.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId));
          if (started) result.workflowTasks.runMs += time - started.time;
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
          result.workflowTasks.timedOut++;
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
          at.set(id, { time, type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?' });
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
          const scheduled = at.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
          const cost = (result.activities[scheduled?.type ?? '?'] ??= { count: 0, queueMs: 0, runMs: 0 });
          cost.count++;
          if (scheduled) cost.queueMs += time - scheduled.time;
          at.set(id, { time, type: scheduled?.type });
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
          const attrs =
            e.activityTaskCompletedEventAttributes ??
            e.activityTaskFailedEventAttributes ??
            e.activityTaskTimedOutEventAttributes;
          const started = at.get(Number(attrs?.startedEventId));
          if (started?.type) result.activities[started.type]!.runMs += time - started.time;
          break;
        }
        case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
          at.set(id, { time });
          break;
        case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
          const initiated = at.get(Number(e.childWorkflowExecutionStartedEventAttributes?.initiatedEventId));
          result.childStarts.count++;
          if (initiated) result.childStarts.startMs += time - initiated.time;
          break;
        }
      }
    }
  }
  const round = <T extends StepCost>(c: T): T => ({
    ...c,
    queueMs: Math.round(c.queueMs),
    runMs: Math.round(c.runMs),
  });
  result.workflowTasks = {
    ...round(result.workflowTasks),
    maxQueueMs: Math.round(result.workflowTasks.maxQueueMs),
  };
  result.childStarts.startMs = Math.round(result.childStarts.startMs);
  result.activities = Object.fromEntries(
    Object.entries(result.activities)
      .map(([k, v]) => [k, round(v)] as const)
      .sort((a, b) => b[1].queueMs + b[1].runMs - (a[1].queueMs + a[1].runMs)),
  );
  return result;
}
