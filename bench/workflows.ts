/**
 * The bench worker's workflows: the interpreter, and the bench DAG written by hand as a developer
 * would write it without templates, with the same activity options the interpreter gives the task.
 */
import {
  condition,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  startChild,
} from '@temporalio/workflow';
import { defaultRetryPolicy, timeoutProfiles } from '../common/tasks';
import { traceSearchAttributes } from '../common/search-attributes';
import type { TaskQueue } from '../common/task-queues';
import { bareQueue } from './bare';
import type { TaskActivities } from '../activities/task';
import type { benchEcho } from './dag';

export { templateInterpreter } from '../workflows/template';

const { 'bench:echo': echo } = proxyActivities<TaskActivities<typeof benchEcho>>({
  taskQueue: 'bench',
  ...timeoutProfiles.short,
  retry: defaultRetryPolicy,
});

/** bench/templates/bench-dag.json, hand-written: first, then left and right at once, join, last. */
export async function benchHandWritten(input: { value: unknown }): Promise<{ value: unknown }> {
  const first = await echo({ step: 'first', value: input.value });
  const [left, right] = await Promise.all([
    echo({ step: 'left', value: first.value }),
    echo({ step: 'right', value: first.value }),
  ]);
  const join = await echo({ step: 'join', value: { left: left.value, right: right.value } });
  const last = await echo({ step: 'last', value: (join.value as { left: unknown }).left });
  return { value: last.value };
}

/**
 * The bare-Temporal request: a single unmanaged VM's request tree written by hand, every
 * activity a no-op, the same workflows, activities per task queue and child hops as a real
 * request (bench/breakdown.ts's shape of one, checked by the benchmark's bare phase), each
 * workflow starting its steps in the rounds the real one does. What it leaves out is what our
 * workflows add to Temporal: the steps' work, and the progress signals each template sends up
 * the tree (each a workflow task of its receiver).
 */
export interface BareInput {
  traceId: string;
  requestId: string;
}

const noopOn = (queue: TaskQueue) =>
  proxyActivities<{ noop(): Promise<void> }>({
    taskQueue: bareQueue(queue),
    ...timeoutProfiles.short,
    retry: defaultRetryPolicy,
  }).noop;
const orchestrator = noopOn('orchestrator');
const awx = noopOn('awx');
const awxWaits = noopOn('awx-waits');
const vcenter = noopOn('vcenter');
/** A pure, quick step of ours (a render, a ledger write): a local activity, as TaskMeta.local makes it. */
const local = proxyLocalActivities<{ noop(): Promise<void> }>({ ...timeoutProfiles.short }).noop;
const times = (n: number, fn: () => Promise<void>) => Promise.all(Array.from({ length: n }, fn));

const childOptions = (input: BareInput, suffix: string, templateName?: string) => ({
  workflowId: `${input.traceId}/${input.requestId}/${suffix}`,
  args: [input] as [BareInput],
  typedSearchAttributes: traceSearchAttributes({ ...input, templateName }),
});

/**
 * requestWorkflow: sends the received notice while it takes its requester's place, records its
 * status, pins its plan and appends its story (local activities, one at a time); prepares;
 * commits; runs the VM's template while it appends the template's progress to its story (a local
 * activity per signal: each new external ID, the steps' states at most once a second); then
 * starts the resource workflow, appends the last events, records the outcome, gives its place up
 * and sends the last notice (local activities, one at a time).
 */
export async function bareRequest(input: BareInput): Promise<void> {
  const notice = orchestrator();
  for (let i = 0; i < 4; i++) await local();
  await orchestrator();
  await orchestrator();
  await notice;
  const template = executeChild(
    bareVmTemplate,
    childOptions(input, 'vm-create-unmanaged', 'vm-create-unmanaged'),
  );
  for (let i = 0; i < 6; i++) await local();
  await template;
  await Promise.all([
    local(),
    startChild(bareResource, {
      ...childOptions(input, 'resource'),
      parentClosePolicy: ParentClosePolicy.ABANDON,
    }),
  ]);
  for (let i = 0; i < 5; i++) await local();
}

/**
 * vm-create-unmanaged: reads its pinned plan (local); reads the resource's file; renders (local);
 * build (AWX); vCenter finds and reads it; configure (AWX).
 */
export async function bareVmTemplate(input: BareInput): Promise<void> {
  await local();
  await orchestrator();
  await times(3, local);
  await executeChild(bareJobTemplate, childOptions(input, 'build', 'awx-run-job-template'));
  await vcenter();
  await vcenter();
  await executeChild(bareJobTemplate, childOptions(input, 'configure', 'awx-run-job-template'));
}

/** awx-run-job-template: find, launch, wait, read the output. */
export async function bareJobTemplate(_input: BareInput): Promise<void> {
  await awx();
  await awx();
  await awxWaits();
  await awx();
}

/** resourceWorkflow: reads its lease settings, records its state, then lives for its lease. */
export async function bareResource(_input: BareInput): Promise<void> {
  await orchestrator();
  await orchestrator();
  await condition(() => false, '14 days');
}
