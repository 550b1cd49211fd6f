/**
 * Where a request's time goes, read from the histories of its whole tree (a TraceId visibility
 * query): per activity type its queue wait (scheduled → started) and run time (started →
 * closed), and the workflow tasks' count and latency. The end-to-end figure says how long; this
 * says which cost to remove first.
 */
import type { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bareStandsFor, BARE_PREFIX } from './bare';

const EventType = temporal.api.enums.v1.EventType;

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null;
const ms = (t: Timestamp | undefined): number => {
  if (!t) return 0;
  const s = t.seconds;
  const seconds = typeof s === 'number' ? s : (s?.toNumber() ?? 0);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
};

const TemplateName = defineSearchAttributeKey('TemplateName', SearchAttributeType.KEYWORD);

/** What each workflow task of one history started (see TreeShape.trees). */
function roundsOf(events: temporal.api.history.v1.IHistoryEvent[]): {
  rounds: string[][];
  signalsReceived: number;
} {
  const byTask = new Map<number, string[]>();
  let signalsReceived = 0;
  const add = (task: unknown, item: string) => {
    const key = Number(task);
    byTask.set(key, [...(byTask.get(key) ?? []), item]);
  };
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes)
      add(
        e.activityTaskScheduledEventAttributes.workflowTaskCompletedEventId,
        `activity ${e.activityTaskScheduledEventAttributes.taskQueue?.name}`,
      );
    else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      add(e.markerRecordedEventAttributes.workflowTaskCompletedEventId, 'local activity');
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes)
      add(
        e.startChildWorkflowExecutionInitiatedEventAttributes.workflowTaskCompletedEventId,
        `child ${e.startChildWorkflowExecutionInitiatedEventAttributes.workflowType?.name}`,
      );
    else if (e.signalExternalWorkflowExecutionInitiatedEventAttributes)
      add(e.signalExternalWorkflowExecutionInitiatedEventAttributes.workflowTaskCompletedEventId, 'signal');
    else if (e.workflowExecutionSignaledEventAttributes) signalsReceived++;
  }
  return { rounds: [...byTask.values()].map((r) => r.sort()), signalsReceived };
}

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
  /** The tree's shape, which the bare-Temporal request of the benchmark copies. */
  shape: TreeShape;
}

/**
 * What a request tree is made of, whatever its steps do: workflows per type (and how deep the
 * tree goes: 1 is the root alone), activities per task queue, local activities.
 */
export interface TreeShape {
  workflowTypes: Record<string, number>;
  depth: number;
  activitiesByQueue: Record<string, number>;
  localActivities: number;
  /**
   * Each workflow of the tree (its type, template and parent's template) and what its workflow
   * tasks started, one list per task that started something: `activity <queue>`, `local
   * activity`, `child <type>`, `signal` (to another workflow); and how many signals it received.
   * What one task starts runs side by side.
   */
  trees: { type: string; template?: string; parent?: string; rounds: string[][]; signalsReceived: number }[];
}

/** The cost breakdown of every workflow whose TraceId is `traceId`. */
export async function breakdown(client: Client, traceId: string): Promise<Breakdown> {
  const result: Breakdown = {
    workflows: 0,
    events: 0,
    workflowTasks: { count: 0, queueMs: 0, runMs: 0, maxQueueMs: 0, timedOut: 0 },
    activities: {},
    childStarts: { count: 0, startMs: 0 },
    shape: { workflowTypes: {}, depth: 0, activitiesByQueue: {}, localActivities: 0, trees: [] },
  };
  const templates = new Map<string, string | undefined>();
  const parents = new Map<string, string | undefined>();
  for await (const wf of client.workflow.list({ query: `TraceId='${traceId}'` })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    result.workflows++;
    parents.set(wf.workflowId, wf.parentExecution?.workflowId ?? undefined);
    result.shape.workflowTypes[wf.type] = (result.shape.workflowTypes[wf.type] ?? 0) + 1;
    const events = history.events ?? [];
    result.events += events.length;
    const template = wf.typedSearchAttributes.get(TemplateName);
    templates.set(wf.workflowId, template);
    result.shape.trees.push({
      type: wf.type,
      ...(template ? { template } : {}),
      ...(wf.parentExecution?.workflowId ? { parent: wf.parentExecution.workflowId } : {}),
      ...roundsOf(events),
    });
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
        case EventType.EVENT_TYPE_MARKER_RECORDED:
          if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
            result.shape.localActivities++;
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
          const queue = e.activityTaskScheduledEventAttributes?.taskQueue?.name ?? '?';
          result.shape.activitiesByQueue[queue] = (result.shape.activitiesByQueue[queue] ?? 0) + 1;
          at.set(id, { time, type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?' });
          break;
        }
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
  for (const t of result.shape.trees) if (t.parent) t.parent = templates.get(t.parent) ?? '?';
  const depth = (id: string | undefined): number => (id && parents.has(id) ? 1 + depth(parents.get(id)) : 0);
  result.shape.depth = Math.max(0, ...[...parents.keys()].map(depth));
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

/**
 * Where the bare tree's shape differs from a real request's, ignoring what the bare tree leaves
 * out on purpose (signals): workflows per type, depth, activities per queue, local activities,
 * and (unless `rounds` is false) what each workflow task started. How a real request's workflow
 * tasks group its steps varies with timing, and so does the number of progress records (a
 * template's step events are recorded in one activity when they arrive together): `slack`
 * activities more or fewer per queue are allowed.
 */
export function shapeDifferences(
  real: TreeShape,
  bareShape: TreeShape,
  { rounds: compareRounds = true, slack = 0 } = {},
): string[] {
  const differences: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b))
      differences.push(`${what}: real ${JSON.stringify(a)}, bare ${JSON.stringify(b)}`);
  };
  const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort());
  const types: Record<string, number> = {};
  for (const [type, count] of Object.entries(bareShape.workflowTypes)) {
    const real = bareStandsFor[type as keyof typeof bareStandsFor] ?? type;
    types[real] = (types[real] ?? 0) + count;
  }
  same('workflows per type', sorted(real.workflowTypes), sorted(types));
  same('depth', real.depth, bareShape.depth);
  const unprefix = (s: string) => s.replaceAll(BARE_PREFIX, '');
  const bareActivities = Object.fromEntries(
    Object.entries(bareShape.activitiesByQueue).map(([q, n]) => [unprefix(q), n]),
  );
  const queues = new Set([...Object.keys(real.activitiesByQueue), ...Object.keys(bareActivities)]);
  if ([...queues].some((q) => Math.abs((real.activitiesByQueue[q] ?? 0) - (bareActivities[q] ?? 0)) > slack))
    same('activities per queue', sorted(real.activitiesByQueue), sorted(bareActivities));
  same('local activities', real.localActivities, bareShape.localActivities);
  const rounds = (s: TreeShape, map: (x: string) => string) =>
    s.trees
      .map((t) =>
        JSON.stringify(
          t.rounds.map((r) => r.filter((x) => x !== 'signal').map(map)).filter((r) => r.length > 0),
        ),
      )
      .sort();
  const bareName = (x: string) =>
    unprefix(x).replace(
      /^child (\w+)$/,
      (_, t: string) => `child ${bareStandsFor[t as keyof typeof bareStandsFor] ?? t}`,
    );
  if (compareRounds)
    same(
      'rounds of each workflow',
      rounds(real, (x) => x),
      rounds(bareShape, bareName),
    );
  return differences;
}
