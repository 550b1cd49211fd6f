/**
 * The bench worker's workflows: the interpreter, and the bench DAG written by hand as a developer
 * would write it without templates, with the same activity options the interpreter gives the task.
 */
import { proxyActivities } from '@temporalio/workflow';
import { defaultRetryPolicy, timeoutProfiles } from '../common/tasks';
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
