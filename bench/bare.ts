/**
 * The bare-Temporal request: the task queues it uses and the shape it copies. Its workflows are
 * in workflows.ts, its worker in worker.ts (`BENCH_WORKER=bare`). The queues are the stack's own names with
 * a prefix, so the bare tree crosses queues exactly where a real request does (an activity on
 * the workflow's own queue can start eagerly, one on `awx` cannot) without a stack worker
 * taking its tasks.
 */
import { allTaskQueues, TaskQueues, type TaskQueue } from '../common/task-queues';

export const BARE_PREFIX = 'bare-';

/** The bare tree's queue for one of the stack's queues. */
export const bareQueue = (queue: TaskQueue): string => `${BARE_PREFIX}${queue}`;

/** A request runs in one lane: the bare tree copies one in the interactive lane. */
export const bareTaskQueues = allTaskQueues.filter((q) => q !== TaskQueues.orchestratorBulk).map(bareQueue);

/** The bare tree's workflow types, each standing for one of a real request's. */
export const bareStandsFor = {
  bareRequest: 'requestWorkflow',
  bareResource: 'resourceWorkflow',
  bareVmTemplate: 'templateInterpreter',
  bareJobTemplate: 'templateInterpreter',
} as const;
