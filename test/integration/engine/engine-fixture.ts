/**
 * The fixture of the engine's integration tests: test tasks declared with the real defineTask on a
 * task queue of their own, templates checked by the real loader, the interpreter started as a
 * request's template would be (lineage ID, trace search attributes), and event-history readers.
 * With RECORD_HISTORIES=1 each run's history is written to test/replay/histories/ for the replay test.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ulid } from 'ulid';
import { buildActivities, type AnyTask } from '../../../activities/task';
import { createTaskCatalog, systemTaskMetas } from '../../../activities/registry';
import { requestIdFrom, requestWorkflowId, traceIdFrom } from '../../../common/ids';
import { traceSearchAttributes, type TraceContext } from '../../../common/search-attributes';
import type { TaskQueue } from '../../../common/task-queues';
import type { Template, TemplateResult } from '../../../common/template';
import { childWorkflowId } from '../../../common/ids';
import { createTemplateLibrary } from '../../../templates/library';
import { templateInterpreter } from '../../../workflows/template';
import { getStack, withWorker } from '../../harness/stack';
import { historyToJsonText } from '../../replay/history-json';

export const historiesDir = path.join(__dirname, '../../replay/histories');

/** A task queue no real worker polls, so only this suite's worker serves its tasks. */
export function testQueue(name: string): TaskQueue {
  return `engine-${name}-${ulid().toLowerCase()}` as TaskQueue;
}

/** Runs `fn` with a worker serving the interpreter and the given tasks on `queue`. */
export async function withEngine<T>(
  queue: TaskQueue,
  tasks: readonly AnyTask<unknown>[],
  fn: () => Promise<T>,
): Promise<T> {
  return withWorker({ taskQueue: queue, activities: buildActivities(tasks, undefined) }, fn);
}

export interface Started {
  handle: WorkflowHandle<typeof templateInterpreter>;
  trace: TraceContext;
  workflowId: string;
}

/**
 * Checks the templates with the real loader and starts the first one under a fresh trace; with
 * `pauseTimeout`, as a request with `"onFailure": "pause"` starts it.
 */
export async function startTemplate(
  queue: TaskQueue,
  tasks: readonly AnyTask<unknown>[],
  templates: Template[],
  input: unknown,
  options: { pauseTimeout?: string } = {},
): Promise<Started> {
  const catalog = createTaskCatalog(systemTaskMetas({ taskQueue: queue, tasks }));
  const library = createTemplateLibrary(
    templates.map((t) => ({ file: `${t.name}.json`, text: JSON.stringify(t) })),
    catalog,
  );
  const entry = templates[0]!;
  const plan = library.plan(entry);
  const trace: TraceContext = {
    traceId: traceIdFrom(ulid()),
    requestId: requestIdFrom(ulid()),
    resourceType: 'engine_test',
    requester: 'engine-tests',
    templateName: entry.name,
  };
  const workflowId = childWorkflowId(requestWorkflowId(trace.traceId, trace.requestId), entry.name);
  const { client } = await getStack();
  const handle = await client.workflow.start(templateInterpreter, {
    taskQueue: queue,
    workflowId,
    args: [{ plan, input, trace, ...options }],
    typedSearchAttributes: traceSearchAttributes(trace),
  });
  return { handle, trace, workflowId };
}

/** The TemplateResult a failed template carries in its TemplateFailed details. */
export async function failedResult(
  handle: WorkflowHandle,
): Promise<{ result: TemplateResult; message: string }> {
  try {
    await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause as { type?: string; details?: unknown[]; message: string };
    if (cause.type !== 'TemplateFailed') throw err;
    return { result: cause.details![0] as TemplateResult, message: cause.message };
  }
  throw new Error('the template succeeded');
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The workflow's history events, after it has closed. */
export async function historyOf(workflowId: string): Promise<HistoryEvent[]> {
  const { client } = await getStack();
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

/** Writes a closed workflow's history to test/replay/histories/<name>.json when recording. */
export async function recordHistory(name: string, workflowId: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const { client } = await getStack();
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(path.join(historiesDir, `${name}.json`), historyToJsonText(workflowId, history));
}

const E = temporal.api.enums.v1.EventType;

function typeOf(e: HistoryEvent): number {
  return Number(e.eventType);
}

function firstArg(payloads: { data?: Uint8Array | null }[] | null | undefined): unknown {
  const data = payloads?.[0]?.data;
  return data ? JSON.parse(Buffer.from(data).toString()) : undefined;
}

/**
 * When each activity was scheduled and when it completed, in history order, labelled by the
 * `label` field of its input. Started events are not used: with a retry policy the server writes
 * them only when the attempt ends.
 */
export function activityTimeline(events: HistoryEvent[]): string[] {
  const labels = new Map<string, string>();
  const out: string[] = [];
  for (const e of events) {
    if (typeOf(e) === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const input = firstArg(e.activityTaskScheduledEventAttributes?.input?.payloads) as { label?: string };
      labels.set(String(e.eventId), String(input?.label));
      out.push(`scheduled ${input?.label}`);
    }
    if (typeOf(e) === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
      out.push(`completed ${labels.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId))}`);
  }
  return out;
}

/** The most children the workflow had running at once, and the IDs it started. */
export function childConcurrency(events: HistoryEvent[]): { max: number; started: string[] } {
  let running = 0;
  let max = 0;
  const started: string[] = [];
  const ends = new Set<number>([
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
    E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
  ]);
  for (const e of events) {
    if (typeOf(e) === E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
      running++;
      max = Math.max(max, running);
      started.push(e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!);
    } else if (ends.has(typeOf(e))) running--;
  }
  return { max, started };
}

/** Polls `probe` until it returns a value, for state only visible eventually (visibility, progress). */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
