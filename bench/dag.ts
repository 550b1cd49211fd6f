/**
 * The benchmark's own DAG of activities, run once as a template through the interpreter and once
 * as the hand-written workflow in workflows.ts: one task that only echoes its input, so what is
 * measured is the orchestration (workflow tasks, history, scheduling), not the work.
 */
import path from 'node:path';
import { z } from 'zod';
import { createTaskCatalog, systemTaskMetas } from '../activities/registry';
import { defineTask, toActivity } from '../activities/task';
import type { TaskQueue } from '../common/task-queues';
import { loadTemplateLibrary } from '../templates/library';

/** The task queue of the bench worker; no stack worker polls it. */
export const BENCH_TASK_QUEUE = 'bench';

/** The bench DAG's template, as templates/ would hold it. */
export const BENCH_TEMPLATE = { name: 'bench-dag', version: '1.0.0' } as const;

/** `bench:echo`: returns what it is given, so a step costs only its orchestration. */
export const benchEcho = defineTask({
  id: 'bench:echo',
  description: 'Returns its input unchanged (benchmark only).',
  timeouts: 'short',
  input: z.object({ step: z.string(), value: z.unknown() }),
  output: z.object({ step: z.string(), value: z.unknown() }),
  async handler(input) {
    return input;
  },
});

/** The activities of the bench worker. */
export const benchActivities = { [benchEcho.id]: toActivity(benchEcho, {}) };

/** The plan the interpreter runs: bench/templates/ checked against the bench task. */
export function benchPlan() {
  const library = loadTemplateLibrary(
    path.join(__dirname, 'templates'),
    createTaskCatalog(systemTaskMetas({ taskQueue: BENCH_TASK_QUEUE as TaskQueue, tasks: [benchEcho] })),
  );
  return library.plan(BENCH_TEMPLATE);
}
