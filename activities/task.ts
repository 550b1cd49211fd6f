/**
 * A task is declared once (id, description, zod input and output, task queue, timeout profile,
 * handler) and the registry turns declarations into Temporal activities. The input is checked
 * before the handler runs and the output after: a violation is a non-retryable InvalidInput
 * failure naming the field.
 */
import { Context } from '@temporalio/activity';
import type { z } from 'zod';
import { failure } from '../common/errors';
import type { TaskMeta } from '../common/tasks';

/** What a handler receives besides its input. */
export interface TaskContext<Deps> {
  deps: Deps;
  /** Aborted when Temporal cancels the activity (delivered through heartbeats). */
  signal: AbortSignal;
  /** Records progress; a retry reads the last value back as `resumeFrom`. */
  heartbeat(details?: unknown): void;
  /** The last heartbeat of an earlier attempt of this activity, if any. */
  resumeFrom: unknown;
  /**
   * A key stable across the retries of this step in this workflow run (worker crashes, lost
   * answers, server restarts): workflow ID + run ID + activity ID. A new run of the workflow (a
   * reset, a re-run) gets a new key, so it acts again instead of adopting the old attempt's result.
   */
  idempotencyKey: string;
  attempt: number;
}

export interface TaskDefinition<I extends z.ZodType, O extends z.ZodType, Deps> extends TaskMeta {
  input: I;
  output: O;
  /** Inputs the tests run, so every task's examples stay true. */
  examples?: z.input<I>[];
  handler(input: z.infer<I>, ctx: TaskContext<Deps>): Promise<z.input<O>>;
}

/** Declares a task; keeps its id's literal type so workflows get a typed activity interface. */
export function defineTask<const Id extends string, I extends z.ZodType, O extends z.ZodType, Deps>(
  def: TaskDefinition<I, O, Deps> & { id: Id },
): TaskDefinition<I, O, Deps> & { id: Id } {
  if (!/^[a-z][a-z0-9]*:[a-z][a-z0-9-]*$/.test(def.id))
    throw new Error(`task id ${def.id} must look like system:verb-noun`);
  return def;
}

/**
 * The activity interface of some tasks, keyed by task id, for `proxyActivities<…>()` in workflow
 * code (imported by type only, so no handler code enters the workflow bundle).
 */
export type TaskActivities<T extends { id: string; input: z.ZodType; output: z.ZodType }> = {
  [K in T as K['id']]: (input: z.input<K['input']>) => Promise<z.output<K['output']>>;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask<Deps> = TaskDefinition<z.ZodType, z.ZodType, Deps> | TaskDefinition<any, any, Deps>;

function fieldIssues(error: z.ZodError, root: string) {
  return error.issues.map((i) => ({ path: [root, ...i.path.map(String)].join('.'), message: i.message }));
}

/** The activity function of one task: validate input, run, validate output. */
export function toActivity<Deps>(task: AnyTask<Deps>, deps: Deps): (input: unknown) => Promise<unknown> {
  const system = task.id.split(':')[0]!;
  return async (raw: unknown) => {
    const parsed = task.input.safeParse(raw);
    if (!parsed.success) {
      const fields = fieldIssues(parsed.error, 'input');
      throw failure(
        'InvalidInput',
        `${task.id}: invalid input: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
        {
          system,
          call: task.id,
          fields,
        },
      );
    }
    const ctx = Context.current();
    const info = ctx.info;
    const result = await task.handler(parsed.data, {
      deps,
      signal: ctx.cancellationSignal,
      heartbeat: (d) => ctx.heartbeat(d),
      resumeFrom: info.heartbeatDetails,
      idempotencyKey: info.workflowExecution
        ? `${info.workflowExecution.workflowId}/${info.workflowExecution.runId}#${info.activityId}`
        : `standalone#${info.activityId}`,
      attempt: info.attempt,
    });
    const out = task.output.safeParse(result);
    if (!out.success) {
      const fields = fieldIssues(out.error, 'output');
      throw failure(
        'InvalidOutput',
        `${task.id}: the handler returned an invalid output: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
        {
          system,
          call: task.id,
          fields,
        },
      );
    }
    return out.data;
  };
}

/** Builds the activities object for a worker from task declarations; refuses duplicate ids. */
export function buildActivities<Deps>(
  tasks: readonly AnyTask<Deps>[],
  deps: Deps,
): Record<string, (input: unknown) => Promise<unknown>> {
  const activities: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const task of tasks) {
    if (activities[task.id]) throw new Error(`task ${task.id} is declared twice`);
    activities[task.id] = toActivity(task, deps);
  }
  return activities;
}

/** The metadata of tasks, safe to hand to workflow code. */
export function taskMeta<Deps>(task: AnyTask<Deps>): TaskMeta {
  const { id, description, taskQueue, timeouts, retry } = task;
  return { id, description, taskQueue, timeouts, retry };
}
