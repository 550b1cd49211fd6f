/**
 * A task is declared once (id, description, zod input and output, timeout profile, handler), and
 * a system (`defineSystem`) declares once which tasks it has, on which task queue they run and how
 * their dependencies are made and closed. Declarations become Temporal activities here: the input
 * is checked before the handler runs and the output after; a violation is a non-retryable
 * InvalidInput (or InvalidOutput) failure naming the field.
 */
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { z } from 'zod';
import { failure } from '../common/errors';
import type { TaskQueue } from '../common/task-queues';
import type { TaskMeta } from '../common/tasks';
import type { EndSystemName, EndSystemsConfig } from '../platform/end-systems';
import type { TemplateLibrary } from '../templates/library';
import type { RfmConfig } from './rfm/config';

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

/** How a task may run in a plan preview (see TaskDefinition.preview). */
export type TaskPreview = 'pure' | 'read';

/** A task's own metadata; its task queue is its system's. */
export type TaskDeclaration = Omit<TaskMeta, 'taskQueue'>;

export interface TaskDefinition<I extends z.ZodType, O extends z.ZodType, Deps> extends TaskDeclaration {
  input: I;
  output: O;
  /** Inputs the tests run, so every task's examples stay true. */
  examples?: z.input<I>[];
  /**
   * What the plan preview (`POST /v1/requests/preview`) may run of this task: `pure` computes its
   * output from its input alone, `read` only reads (never changes anything, never an end system).
   * Absent: the preview shows the step without running it.
   */
  preview?: TaskPreview;
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

/** A value outside its schema: non-retryable, naming each field under `input.` or `output.`. */
function invalid(task: { id: string }, root: 'input' | 'output', error: z.ZodError) {
  const fields = error.issues.map((i) => ({
    path: [root, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const what = root === 'input' ? 'invalid input' : 'the handler returned an invalid output';
  return failure(
    root === 'input' ? 'InvalidInput' : 'InvalidOutput',
    `${task.id}: ${what}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
    { system: task.id.split(':')[0]!, call: task.id, fields },
  );
}

/**
 * Runs one task's handler as its activity does: the input checked first, the output after (a
 * violation is the failure naming the field). The activity and the plan preview both call this.
 */
export async function runTask<Deps>(
  task: AnyTask<Deps>,
  raw: unknown,
  ctx: TaskContext<Deps>,
): Promise<unknown> {
  const parsed = task.input.safeParse(raw);
  if (!parsed.success) throw invalid(task, 'input', parsed.error);
  const result = await task.handler(parsed.data, ctx);
  const out = task.output.safeParse(result);
  if (!out.success) throw invalid(task, 'output', out.error);
  return out.data;
}

/** The activity function of one task: validate input, run, validate output. */
export function toActivity<Deps>(task: AnyTask<Deps>, deps: Deps): (input: unknown) => Promise<unknown> {
  return async (raw: unknown) => {
    const ctx = Context.current();
    const info = ctx.info;
    return runTask(task, raw, {
      deps,
      signal: ctx.cancellationSignal,
      heartbeat: (d) => ctx.heartbeat(d),
      resumeFrom: info.heartbeatDetails,
      idempotencyKey: info.workflowExecution
        ? `${info.workflowExecution.workflowId}/${info.workflowExecution.runId}#${info.activityId}`
        : `standalone#${info.activityId}`,
      attempt: info.attempt,
    });
  };
}

/** Thrown when two declarations share an id: the activity type would be ambiguous. */
export class DuplicateTaskError extends Error {}

/** Indexes declarations by id; the one place that refuses a duplicate id. */
export function byTaskId<T extends { id: string }>(tasks: Iterable<T>): Map<string, T> {
  const index = new Map<string, T>();
  for (const task of tasks) {
    if (index.has(task.id)) throw new DuplicateTaskError(`task ${task.id} is declared twice`);
    index.set(task.id, task);
  }
  return index;
}

type ActivityMap = Record<string, (input: unknown) => Promise<unknown>>;

/** Builds the activities object of some tasks that share `deps`; refuses duplicate ids. */
export function buildActivities<Deps>(tasks: readonly AnyTask<Deps>[], deps: Deps): ActivityMap {
  return Object.fromEntries([...byTaskId(tasks)].map(([id, task]) => [id, toActivity(task, deps)]));
}

/** Where the worker keeps what systems build their dependencies from. */
export interface WorkerResources {
  pool: Pool;
  library: TemplateLibrary;
  endSystems: EndSystemsConfig;
  /** Where the resource repositories are (RFM). */
  rfm: RfmConfig;
}

/** `every`: the system's tasks are answered on every task queue (the health ping). */
export type SystemQueue = TaskQueue | 'every';

/**
 * One system of the table in `activities/registry.ts`: its tasks, the queue they run on, how their
 * dependencies are made from what the worker holds, and how those are closed.
 */
export interface SystemDefinition<Deps> {
  name: string;
  taskQueue: SystemQueue;
  /**
   * Where its waits (tasks of the `long` timeout profile) run, apart from its short calls: a wait
   * holds its slot for as long as the end system takes, so it gets a slot budget of its own.
   */
  waitQueue?: TaskQueue;
  tasks: readonly AnyTask<Deps>[];
  /** The end system whose configuration the dependencies need; a worker refuses to start without it. */
  endSystem?: EndSystemName;
  createDeps(resources: WorkerResources): Deps;
  /** Releases what `createDeps` opened, once the workers have stopped. */
  close?(deps: Deps): Promise<void> | void;
}

/** The queue one of a system's tasks runs on: its waits on the system's wait queue, if it has one. */
export function taskQueueOf(
  system: Pick<SystemDefinition<unknown>, 'waitQueue'> & { taskQueue: TaskQueue },
  task: Pick<TaskDeclaration, 'timeouts'>,
): TaskQueue {
  return task.timeouts === 'long' && system.waitQueue ? system.waitQueue : system.taskQueue;
}

/** A system of any dependencies, as the table holds it. */
export type AnySystem = SystemDefinition<unknown>;

type SystemFields<Deps> = Omit<SystemDefinition<Deps>, 'endSystem' | 'createDeps'>;

/**
 * Declares a system; its task ids must be namespaced by its name (`awx:…` in `awx`). One that
 * talks to an end system names it and receives its configuration, present by then: the worker
 * checks every system's end system before building any.
 */
export function defineSystem<Deps, const E extends EndSystemName>(
  def: SystemFields<Deps> & {
    endSystem: E;
    createDeps(config: NonNullable<EndSystemsConfig[E]>, resources: WorkerResources): Deps;
  },
): SystemDefinition<Deps>;
export function defineSystem<Deps>(
  def: SystemFields<Deps> & { createDeps(resources: WorkerResources): Deps },
): SystemDefinition<Deps>;
export function defineSystem<Deps>(
  def: SystemFields<Deps> & {
    endSystem?: EndSystemName;
    createDeps(...args: never[]): Deps;
  },
): SystemDefinition<Deps> {
  const stray = def.tasks.filter((task) => !task.id.startsWith(`${def.name}:`)).map((task) => task.id);
  if (stray.length)
    throw new Error(`system ${def.name} declares tasks of another namespace: ${stray.join(', ')}`);
  const { endSystem } = def;
  if (!endSystem) return def as SystemDefinition<Deps>;
  const create = def.createDeps as (config: unknown, resources: WorkerResources) => Deps;
  return {
    ...def,
    endSystem,
    createDeps(resources) {
      const config = resources.endSystems[endSystem];
      if (!config) throw new Error(`end system ${endSystem} is not configured`);
      return create(config, resources);
    },
  };
}
